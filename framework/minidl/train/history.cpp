#include "minidl/train/history.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace minidl {

namespace {

// JSON has no NaN: an unmeasured quantity is stored as null.
nlohmann::json number(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

double read_number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) throw std::invalid_argument(std::string("training history: missing field '") + key + "'");
  const nlohmann::json& v = j.at(key);
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) throw std::invalid_argument(std::string("training history: field '") + key + "' is not a number");
  return v.get<double>();
}

std::vector<double> read_numbers(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j.at(key).is_array())
    throw std::invalid_argument(std::string("training history: missing array '") + key + "'");
  std::vector<double> out;
  out.reserve(j.at(key).size());
  for (const auto& v : j.at(key)) {
    if (!v.is_number()) throw std::invalid_argument(std::string("training history: '") + key + "' holds a non-number");
    out.push_back(v.get<double>());
  }
  return out;
}

}  // namespace

bool TrainHistory::has_validation() const {
  for (const auto& e : epochs)
    if (!std::isnan(e.val_acc)) return true;
  return false;
}

const EpochStats* TrainHistory::best_by_validation() const {
  const EpochStats* best = nullptr;
  for (const auto& e : epochs)
    if (!std::isnan(e.val_acc) && (!best || e.val_acc > best->val_acc)) best = &e;
  return best;
}

nlohmann::json history_to_json(const TrainHistory& h) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& e : h.epochs) {
    epochs.push_back({{"epoch", e.epoch},
                      {"step", e.step},
                      {"lr", number(e.lr)},
                      {"loss", number(e.loss)},
                      {"train_acc", number(e.train_acc)},
                      {"val_acc", number(e.val_acc)},
                      {"test_loss", number(e.test_loss)},
                      {"test_acc", number(e.test_acc)},
                      {"epoch_seconds", number(e.epoch_seconds)},
                      {"elapsed_seconds", number(e.elapsed_seconds)}});
  }
  return {{"loss", h.loss}, {"lr", h.lr}, {"epochs", epochs}, {"seconds", h.seconds}};
}

TrainHistory history_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("training history: not a JSON object");
  TrainHistory h;
  h.loss = read_numbers(j, "loss");
  h.lr = read_numbers(j, "lr");
  if (h.lr.size() != h.loss.size())
    throw std::invalid_argument("training history: " + std::to_string(h.loss.size()) + " losses but " +
                                std::to_string(h.lr.size()) + " learning rates");
  h.seconds = read_number(j, "seconds");
  if (!j.contains("epochs") || !j.at("epochs").is_array())
    throw std::invalid_argument("training history: missing array 'epochs'");
  for (const auto& e : j.at("epochs")) {
    EpochStats s;
    s.epoch = static_cast<std::size_t>(read_number(e, "epoch"));
    s.step = static_cast<std::size_t>(read_number(e, "step"));
    s.lr = read_number(e, "lr");
    s.loss = read_number(e, "loss");
    s.train_acc = read_number(e, "train_acc");
    s.val_acc = read_number(e, "val_acc");
    s.test_loss = read_number(e, "test_loss");
    s.test_acc = read_number(e, "test_acc");
    s.epoch_seconds = read_number(e, "epoch_seconds");
    s.elapsed_seconds = read_number(e, "elapsed_seconds");
    if (s.step > h.loss.size() || s.epoch != h.epochs.size() + 1)
      throw std::invalid_argument("training history: epoch entry " + std::to_string(h.epochs.size() + 1) +
                                  " does not fit the step history");
    h.epochs.push_back(s);
  }
  return h;
}

}  // namespace minidl
