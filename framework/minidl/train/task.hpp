#pragma once
// TrainingTask: what a Trainer trains, apart from the loop itself. The Trainer owns the steps, the
// learning-rate schedule, the optimizer, the reporters, interrupts and resuming; a task says which
// batches make an epoch, what the loss of one is, and what is measured after each epoch.
//
//   ClassifierTask   images and labels, accuracy (train/classifier_task.hpp; the book's networks)
//   a language-model task: token streams cut into windows, perplexity
//   a seq2seq task: (source, target) pairs, exact-match accuracy of greedy decodes

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "minidl/core/variable.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// One number measured after an epoch. `name` is its metrics.csv column, and its suffix says what
/// it is: "_acc" a fraction in [0, 1] (printed as a percentage, plotted on the accuracy panel),
/// "_ppl" a perplexity (its own panel), "_loss" a loss. NaN means "not measured".
struct Metric {
  std::string name;
  double value = 0;
};

/// What a metric's name says it is.
enum class MetricKind {
  accuracy,    ///< "..._acc"
  perplexity,  ///< "..._ppl"
  loss,        ///< "..._loss"
  other        ///< anything else
};

/// The kind of metric `name` by its suffix, and the name without it ("val_acc" -> accuracy, "val").
inline std::pair<MetricKind, std::string> split_metric_name(const std::string& name) {
  for (const auto& [suffix, kind] : {std::pair<const char*, MetricKind>{"_acc", MetricKind::accuracy},
                                     {"_ppl", MetricKind::perplexity},
                                     {"_loss", MetricKind::loss}}) {
    const std::string tail(suffix);
    if (name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0)
      return {kind, name.substr(0, name.size() - tail.size())};
  }
  return {MetricKind::other, name};
}

/// The metric that chooses the best epoch (KeepPolicy::best) and its direction. An empty name
/// means no epoch is ever "best".
struct Selection {
  std::string metric;
  bool higher_is_better = true;
};

/// What a Trainer trains: the batches of an epoch, the loss of one, and the measurements after each
/// epoch. Implementations hold their data and sampling state; the model and the optimizer belong to
/// the Trainer's caller.
template <typename T>
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;

  /// Batches in one epoch: > 0 and the same over the whole run.
  virtual std::size_t steps_per_epoch() const = 0;
  /// Items (images, sequences) per batch: the rate a progress bar shows.
  virtual std::size_t batch_size() const = 0;
  /// Called before an epoch's first step, but not when a resumed run continues inside an epoch
  /// (restore() has set the position then). Draws the epoch's order, resets carried state, ...
  /// `epoch` is 1-based.
  virtual void start_epoch(std::size_t epoch) = 0;
  /// Records the forward pass of the current epoch's step `i` (0-based) on `model`, which is in
  /// training mode, and returns the scalar loss; the Trainer runs backward and the optimizer.
  virtual Variable<T> loss(Module<T>& model, std::size_t i) = 0;
  /// The measurements after an epoch, always the same names in the same order. The Trainer calls it
  /// in eval mode with no graph recorded, and restores the model's mode afterwards.
  virtual std::vector<Metric> evaluate(Module<T>& model) = 0;
  /// Which metric picks the best epoch.
  virtual Selection selection() const = 0;
  /// Everything needed to continue the current epoch bit for bit after restore(): the sampler's
  /// position and generator, carried recurrent state, ...
  virtual nlohmann::json state() const = 0;
  /// Continues from a state() of a task built the same way. Throws std::invalid_argument naming the
  /// field that is missing or malformed, and then leaves the task as it was.
  virtual void restore(const nlohmann::json& state) = 0;
};

}  // namespace minidl
