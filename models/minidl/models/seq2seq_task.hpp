#pragma once
// The seq2seq training task: what the Trainer trains a Seq2seqModel on (shuffled mini-batches of
// question/answer ids, teacher forcing) and how it measures it after every epoch (exact-match
// accuracy of greedy answers on the validation and test splits).

#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <minidl/data/shuffled_batches.hpp>
#include <minidl/models/seq2seq.hpp>
#include <minidl/text/seq2seq_data.hpp>
#include <minidl/train/task.hpp>

namespace minidl::models {

/// Trains a Seq2seqModel on split.train. Metrics after each epoch: "val_acc" (only when the split
/// has validation examples) and "test_acc", exact-match accuracies in [0,1]; the best epoch is the
/// one with the highest val_acc (no selection without a validation split: the test set is reported,
/// never consulted).
template <typename T>
class Seq2seqTask : public TrainingTask<T> {
 public:
  /// Copies the split. `seed` seeds the batch order; `eval_batch` is the rows per greedy decode
  /// when measuring. Throws std::invalid_argument for an empty training or test split, a zero
  /// batch size or eval_batch.
  Seq2seqTask(text::Seq2seqSplit split, std::size_t batch_size, std::uint64_t seed, std::size_t eval_batch = 1000);

  std::size_t steps_per_epoch() const override { return batches_.num_batches(); }
  std::size_t batch_size() const override { return batches_.batch_size(); }
  /// Draws the epoch's order of training examples.
  void start_epoch(std::size_t epoch) override;
  /// Mean cross-entropy of batch i's answer characters under teacher forcing. Throws
  /// std::invalid_argument when `model` is not a Seq2seqModel<T>.
  Variable<T> loss(Module<T>& model, std::size_t i) override;
  /// {"val_acc" (with a validation split), "test_acc"}.
  std::vector<Metric> evaluate(Module<T>& model) override;
  /// val_acc, higher is better; none without a validation split.
  Selection selection() const override;
  /// {"sampler": the batch order's state}.
  nlohmann::json state() const override;
  /// Continues the batch order of a state(). Throws std::invalid_argument naming the bad field.
  void restore(const nlohmann::json& state) override;

  const text::Seq2seqSplit& split() const { return split_; }  ///< As given.

 private:
  text::Seq2seqSplit split_;
  ShuffledBatches batches_;
  std::size_t eval_batch_;
};

}  // namespace minidl::models
