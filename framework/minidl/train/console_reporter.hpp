#pragma once
// ConsoleReporter: a progress bar per epoch and one line per finished epoch.

#include <cstddef>
#include <iosfwd>
#include <memory>

#include "minidl/train/progress.hpp"
#include "minidl/train/reporter.hpp"

namespace minidl {

/// Draws a ProgressBar while an epoch trains and prints
///   "epoch 3: loss 0.1234  train acc 97.10%  val acc 97.30%  test acc 97.05%  (12.3 s)"
/// after it (only the accuracies that were measured).
class ConsoleReporter : public TrainReporter {
 public:
  /// Epoch lines to std::cout, progress bars to std::cerr (redrawn in place on a terminal).
  ConsoleReporter();
  /// Epoch lines to `log`, progress bars to `progress` as plain lines (for logs and tests).
  ConsoleReporter(std::ostream& log, std::ostream& progress);

  void on_fit_start(const FitPlan& plan, const TrainHistory& history) override;
  void on_epoch_start(std::size_t epoch, std::size_t epoch_steps, std::size_t steps_done) override;
  void on_step(const StepEvent& step) override;
  void on_epoch_end(const EpochStats& stats, const TrainHistory& history) override;
  void on_fit_end(const TrainHistory& history, FitEnd how) override;

 private:
  std::ostream& log_;
  std::ostream* progress_;  // nullptr: std::cerr, interactive when it is a terminal
  std::size_t epochs_ = 0, batch_size_ = 0, steps_done_ = 0;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace minidl
