#include "minidl/models/seq2seq_task.hpp"

#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include <minidl/models/seq2seq_accuracy.hpp>

namespace minidl::models {
namespace {

template <typename T>
Seq2seqModel<T>& as_seq2seq(Module<T>& model) {
  auto* m = dynamic_cast<Seq2seqModel<T>*>(&model);
  if (m == nullptr) {
    throw std::invalid_argument("Seq2seqTask: the model " + model.describe() + " is not a Seq2seqModel");
  }
  return *m;
}

std::size_t train_size(const text::Seq2seqSplit& split) {
  if (split.train.size() == 0 || split.test.size() == 0) {
    throw std::invalid_argument("Seq2seqTask: the training and test splits must not be empty (train " +
                                std::to_string(split.train.size()) + ", test " + std::to_string(split.test.size()) +
                                ")");
  }
  return split.train.size();
}

}  // namespace

template <typename T>
Seq2seqTask<T>::Seq2seqTask(text::Seq2seqSplit split, std::size_t batch_size, std::uint64_t seed,
                            std::size_t eval_batch)
    : split_(std::move(split)), batches_(train_size(split_), batch_size, seed), eval_batch_(eval_batch) {
  if (eval_batch == 0) throw std::invalid_argument("Seq2seqTask: eval_batch must be positive");
}

template <typename T>
void Seq2seqTask<T>::start_epoch(std::size_t /*epoch*/) {
  batches_.start_epoch();
}

template <typename T>
Variable<T> Seq2seqTask<T>::loss(Module<T>& model, std::size_t i) {
  return as_seq2seq(model).loss(text::make_batch(split_.train, batches_.batch(i)));
}

template <typename T>
std::vector<Metric> Seq2seqTask<T>::evaluate(Module<T>& model) {
  Seq2seqModel<T>& m = as_seq2seq(model);
  std::vector<Metric> out;
  if (split_.validation.size() > 0) out.push_back({"val_acc", exact_match_accuracy(m, split_.validation, eval_batch_)});
  out.push_back({"test_acc", exact_match_accuracy(m, split_.test, eval_batch_)});
  return out;
}

template <typename T>
Selection Seq2seqTask<T>::selection() const {
  if (split_.validation.size() == 0) return {};
  return {"val_acc", true};
}

template <typename T>
nlohmann::json Seq2seqTask<T>::state() const {
  return {{"sampler", batches_.state()}};
}

template <typename T>
void Seq2seqTask<T>::restore(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("sampler")) {
    throw std::invalid_argument("Seq2seqTask::restore: the field 'sampler' is missing");
  }
  batches_.restore(state["sampler"]);
}

template class Seq2seqTask<float>;
template class Seq2seqTask<double>;

}  // namespace minidl::models
