#include "minidl/train/lm_task.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "minidl/ops/loss.hpp"
#include "minidl/train/perplexity.hpp"

namespace minidl {

namespace {

const char* kWhat = "LanguageModelTask::restore";

const nlohmann::json& require(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name)) {
    throw std::invalid_argument(std::string(kWhat) + ": field '" + name + "' is missing");
  }
  return j.at(name);
}

[[noreturn]] void malformed(const std::string& name, const std::string& why) {
  throw std::invalid_argument(std::string(kWhat) + ": field '" + name + "' " + why);
}

}  // namespace

template <typename T>
LanguageModelTask<T>::LanguageModelTask(IndexTensor train, IndexTensor validation, IndexTensor test,
                                        LmTaskOptions options)
    : train_(std::move(train), options.batch, options.bptt),
      validation_(std::move(validation)),
      test_(std::move(test)),
      options_(options) {
  // Refuse parts too short to measure now, not after the first epoch's training.
  text::BpttStreams(validation_, options.eval_batch, options.bptt, true);
  text::BpttStreams(test_, options.eval_batch, options.bptt, true);
}

template <typename T>
void LanguageModelTask<T>::start_epoch(std::size_t /*epoch*/) {
  carried_.clear();
  next_step_ = 0;
  loss_sum_ = 0;
}

template <typename T>
Variable<T> LanguageModelTask<T>::loss(Module<T>& model, std::size_t i) {
  auto* lm = dynamic_cast<LanguageModel<T>*>(&model);
  if (lm == nullptr) {
    throw std::invalid_argument("LanguageModelTask: " + model.describe() + " is not a LanguageModel");
  }
  if (i != next_step_) {
    throw std::logic_error("LanguageModelTask: step " + std::to_string(i) + " asked for, but the carried state is "
                           "that of step " + std::to_string(next_step_) + " (steps run in order)");
  }
  const text::BpttWindow window = train_.window(i);
  auto [scores, state] = lm->forward(window.inputs, carried_);
  // Truncated BPTT: the next window starts from these values but its backward stops here.
  carried_ = detach_state(state);
  Variable<T> loss = softmax_cross_entropy(scores, window.targets);
  loss_sum_ += static_cast<double>(loss.item());
  ++next_step_;
  return loss;
}

template <typename T>
std::vector<Metric> LanguageModelTask<T>::evaluate(Module<T>& model) {
  auto* lm = dynamic_cast<LanguageModel<T>*>(&model);
  if (lm == nullptr) {
    throw std::invalid_argument("LanguageModelTask: " + model.describe() + " is not a LanguageModel");
  }
  const double train_ppl = next_step_ > 0 ? std::exp(loss_sum_ / static_cast<double>(next_step_)) : NAN;
  return {{"train_ppl", train_ppl},
          {"val_ppl", perplexity(*lm, validation_, options_.eval_batch, options_.bptt).perplexity},
          {"test_ppl", perplexity(*lm, test_, options_.eval_batch, options_.bptt).perplexity}};
}

template <typename T>
nlohmann::json LanguageModelTask<T>::state() const {
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& v : carried_) {
    const Tensor<T>& t = v.data();
    // float -> double is exact, so the JSON numbers give back the very same values.
    tensors.push_back({{"shape", std::vector<std::size_t>(t.shape().begin(), t.shape().end())},
                       {"values", std::vector<double>(t.begin(), t.end())}});
  }
  return {{"next_step", next_step_}, {"loss_sum", loss_sum_}, {"state", tensors}};
}

template <typename T>
void LanguageModelTask<T>::restore(const nlohmann::json& j) {
  const nlohmann::json& step = require(j, "next_step");
  if (!step.is_number_integer() || step.get<long long>() < 0 || step.get<std::size_t>() > steps_per_epoch()) {
    malformed("next_step", "must be a step in [0, " + std::to_string(steps_per_epoch()) + "], got " + step.dump());
  }
  const nlohmann::json& sum = require(j, "loss_sum");
  if (!sum.is_number()) malformed("loss_sum", "must be a number, got " + sum.dump());
  const nlohmann::json& tensors = require(j, "state");
  if (!tensors.is_array()) malformed("state", "must be an array of tensors");
  State<T> carried;
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    const std::string name = "state[" + std::to_string(k) + "]";
    const nlohmann::json& e = tensors[k];
    if (!e.is_object() || !e.contains("shape") || !e.contains("values") || !e["shape"].is_array() ||
        !e["values"].is_array()) {
      malformed(name, "must be {\"shape\": [...], \"values\": [...]}");
    }
    Shape shape;
    std::size_t count = 1;
    for (const auto& d : e["shape"]) {
      if (!d.is_number_integer() || d.get<long long>() < 0) {
        malformed(name, "has a shape entry that is not a size: " + d.dump());
      }
      shape.push_back(d.get<std::size_t>());
      count *= shape.back();
    }
    if (shape.size() != 3 || shape[1] != options_.batch) {
      malformed(name, "has shape " + e["shape"].dump() + ", not (layers, " + std::to_string(options_.batch) + ", H)");
    }
    if (e["values"].size() != count) {
      malformed(name, "holds " + std::to_string(e["values"].size()) + " values for shape " + e["shape"].dump());
    }
    Tensor<T> t = Tensor<T>::from_shape(shape);
    std::size_t i = 0;
    for (const auto& v : e["values"]) {
      if (!v.is_number()) malformed(name, "has a value that is not a number: " + v.dump());
      t.data()[i++] = static_cast<T>(v.get<double>());
    }
    carried.emplace_back(std::move(t));
  }
  carried_ = std::move(carried);
  next_step_ = step.get<std::size_t>();
  loss_sum_ = sum.get<double>();
}

template class LanguageModelTask<float>;
template class LanguageModelTask<double>;

}  // namespace minidl
