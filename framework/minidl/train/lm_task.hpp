#pragma once
// What the Trainer trains a language model on (the sequel's chapters 5-6): truncated BPTT over N
// parallel streams of the training ids, the recurrent state carried from window to window and
// detached between them, and validation/test perplexity after every epoch.

#include <cstddef>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "minidl/core/index.hpp"
#include "minidl/nn/language_model.hpp"
#include "minidl/text/bptt.hpp"
#include "minidl/train/task.hpp"

namespace minidl {

/// How a LanguageModelTask reads its streams.
struct LmTaskOptions {
  std::size_t batch = 20;       ///< N parallel training streams (the book's batch_size)
  std::size_t bptt = 35;        ///< T steps per window (the book's time_size)
  std::size_t eval_batch = 10;  ///< streams when measuring validation and test perplexity
};

/// The training task of a LanguageModel: step i of an epoch is window i of
/// text::BpttStreams(train, batch, bptt), its loss the mean softmax cross-entropy of the (N,T,V)
/// scores against the next ids. The state after each window is kept (detached) for the next, and
/// reset to zeros when an epoch starts, as the streams then start over.
/// Metrics: "train_ppl" (exp of the epoch's mean training loss, dropout on), "val_ppl" and
/// "test_ppl" (perplexity() over the whole parts). Selection: the lowest val_ppl.
template <typename T>
class LanguageModelTask : public TrainingTask<T> {
 public:
  /// Throws std::invalid_argument when a part is too short for its streams (see BpttStreams).
  LanguageModelTask(IndexTensor train, IndexTensor validation, IndexTensor test, LmTaskOptions options = {});

  std::size_t steps_per_epoch() const override { return train_.windows(); }
  std::size_t batch_size() const override { return options_.batch; }
  void start_epoch(std::size_t epoch) override;
  /// Throws std::invalid_argument when `model` is not a LanguageModel, and std::logic_error when
  /// `i` is not the step after the previous one (the carried state belongs to that order).
  Variable<T> loss(Module<T>& model, std::size_t i) override;
  std::vector<Metric> evaluate(Module<T>& model) override;
  Selection selection() const override { return {"val_ppl", false}; }
  /// {"next_step", "loss_sum", "state": [{"shape": [...], "values": [...]}, ...]}: the values are
  /// the carried state's elements, exact as JSON numbers.
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;

  const LmTaskOptions& options() const { return options_; }  ///< As constructed.
  const text::BpttStreams& train_streams() const { return train_; }  ///< The training windows.

 private:
  text::BpttStreams train_;
  IndexTensor validation_, test_;
  LmTaskOptions options_;
  State<T> carried_;           // the state after the previous window, detached
  std::size_t next_step_ = 0;  // the step loss() expects next
  double loss_sum_ = 0;        // of this epoch's steps, for train_ppl
};

}  // namespace minidl
