#include "minidl/train/history.hpp"

#include <algorithm>
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

// An epoch's metrics: [[name, value], ...]; or, in the layout without named metrics, the four
// classifier fields (an unmeasured one was null there, and is left out here).
std::vector<Metric> read_metrics(const nlohmann::json& e) {
  std::vector<Metric> out;
  if (!e.contains("metrics")) {
    for (const char* key : {"train_acc", "val_acc", "test_loss", "test_acc"}) {
      const double v = read_number(e, key);
      if (!std::isnan(v)) out.push_back({key, v});
    }
    return out;
  }
  const nlohmann::json& m = e.at("metrics");
  if (!m.is_array()) throw std::invalid_argument("training history: 'metrics' is not an array");
  for (const auto& pair : m) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !(pair[1].is_number() || pair[1].is_null()))
      throw std::invalid_argument("training history: a metric is not a [name, number] pair: " + pair.dump());
    out.push_back({pair[0].get<std::string>(),
                   pair[1].is_null() ? std::numeric_limits<double>::quiet_NaN() : pair[1].get<double>()});
  }
  return out;
}

}  // namespace

double EpochStats::metric(const std::string& name) const {
  for (const Metric& m : metrics)
    if (m.name == name) return m.value;
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<std::string> TrainHistory::metric_names() const {
  std::vector<std::string> names;
  for (const auto& e : epochs)
    for (const Metric& m : e.metrics)
      if (std::find(names.begin(), names.end(), m.name) == names.end()) names.push_back(m.name);
  return names;
}

const EpochStats* TrainHistory::best() const {
  if (selection.metric.empty()) return nullptr;
  const EpochStats* best = nullptr;
  double best_value = 0;
  for (const auto& e : epochs) {
    const double v = e.metric(selection.metric);
    if (std::isnan(v)) continue;
    if (!best || (selection.higher_is_better ? v > best_value : v < best_value)) best = &e, best_value = v;
  }
  return best;
}

nlohmann::json history_to_json(const TrainHistory& h) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& e : h.epochs) {
    nlohmann::json metrics = nlohmann::json::array();
    for (const Metric& m : e.metrics) metrics.push_back({m.name, number(m.value)});
    epochs.push_back({{"epoch", e.epoch},
                      {"step", e.step},
                      {"lr", number(e.lr)},
                      {"loss", number(e.loss)},
                      {"metrics", metrics},
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
    s.metrics = read_metrics(e);
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
