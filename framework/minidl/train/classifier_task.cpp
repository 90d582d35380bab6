#include "minidl/train/classifier_task.hpp"

#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "minidl/ops/loss.hpp"
#include "minidl/train/evaluate.hpp"

namespace minidl {

namespace {

std::size_t count_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j.at(key).is_number_integer() || j.at(key).get<long long>() < 0)
    throw std::invalid_argument(std::string("ClassifierTask::restore: '") + key + "' is missing or not a count");
  return j.at(key).get<std::size_t>();
}

}  // namespace

template <typename T>
ClassifierTask<T>::ClassifierTask(const Dataset<T>& train, const Dataset<T>* test, ClassifierOptions options)
    : train_(train), test_(test), options_(std::move(options)), loader_(train, options_.loader) {
  if (options_.eval_batch == 0) throw std::invalid_argument("ClassifierTask: eval_batch must be > 0");
  loss_ = [](Module<T>& m, const Batch<T>& b) { return softmax_cross_entropy(m(b.input), b.labels); };
}

template <typename T>
void ClassifierTask<T>::start_epoch(std::size_t epoch) {
  // A fresh run's first epoch starts from the seed, so two fits of one task sample alike.
  if (epoch == 1) loader_.reset(options_.loader.seed);
  loader_.start_epoch();
}

template <typename T>
Variable<T> ClassifierTask<T>::loss(Module<T>& model, std::size_t i) {
  return loss_(model, loader_.batch(i));
}

template <typename T>
std::vector<Metric> ClassifierTask<T>::evaluate(Module<T>& model) {
  const ClassifierOptions& o = options_;
  std::vector<Metric> out;
  if (o.evaluate_train) out.push_back({"train_acc", evaluate_accuracy(model, train_, o.train_eval_limit, o.eval_batch)});
  if (validation_) out.push_back({"val_acc", evaluate_accuracy(model, *validation_, 0, o.eval_batch)});
  if (test_) {
    const Evaluation e = minidl::evaluate(model, *test_, o.test_eval_limit, o.eval_batch);
    out.push_back({"test_loss", e.loss});
    out.push_back({"test_acc", e.accuracy});
  }
  return out;
}

template <typename T>
nlohmann::json ClassifierTask<T>::state() const {
  const LoaderState ls = loader_.state();
  return {{"epochs_started", ls.epochs_started}, {"generator", ls.generator}};
}

template <typename T>
void ClassifierTask<T>::restore(const nlohmann::json& state) {
  const std::size_t epochs_started = count_field(state, "epochs_started");
  if (!state.contains("generator") || !state.at("generator").is_string())
    throw std::invalid_argument("ClassifierTask::restore: 'generator' is missing or not a string");
  loader_.restore({epochs_started, state.at("generator").get<std::string>()});
}

template class ClassifierTask<float>;
template class ClassifierTask<double>;

}  // namespace minidl
