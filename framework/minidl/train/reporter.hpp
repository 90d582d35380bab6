#pragma once
// The Trainer's events and the interface of whoever listens to them. The Trainer runs the loop and
// nothing else; console progress, CSV files, plots and checkpoints are reporters (console.hpp,
// csv_reporter.hpp, plot_reporter.hpp, checkpoint_reporter.hpp), each told the same events in the
// order they were added.

#include <cstddef>

#include "minidl/train/history.hpp"

namespace minidl {

/// What a fit() is about to do.
struct FitPlan {
  std::size_t steps_per_epoch = 0;  ///< batches in a full epoch
  std::size_t total_steps = 0;      ///< steps of the whole run (resumed parts included)
  std::size_t epochs = 0;           ///< epochs of the whole run (the last may be partial)
  std::size_t batch_size = 0;
  std::size_t start_step = 0;       ///< steps already done (> 0 when resuming)
};

/// One finished training step.
struct StepEvent {
  std::size_t step = 0;           ///< 1-based over the whole run
  std::size_t epoch = 0;          ///< 1-based
  std::size_t step_in_epoch = 0;  ///< 1-based within the epoch
  std::size_t epoch_steps = 0;    ///< steps this epoch will have
  double loss = 0;                ///< the step's mini-batch loss
  double lr = 0;                  ///< the learning rate the step used
};

/// How fit() ended.
enum class FitEnd {
  completed,    ///< every planned step ran
  interrupted,  ///< a stop was requested; the state is resumable from here
  diverged      ///< a NaN or infinite loss (TrainingDiverged is thrown after the reporters ran)
};

/// Receives the Trainer's events. Every method has an empty default, so a reporter overrides only
/// what it needs. A reporter may throw; the exception leaves fit() (after the model's last good
/// step) like any other error.
class TrainReporter {
 public:
  virtual ~TrainReporter() = default;
  /// Before the first step (also when resuming: plan.start_step > 0, history holds the earlier part).
  virtual void on_fit_start(const FitPlan& plan, const TrainHistory& history) { (void)plan, (void)history; }
  /// Before the first step of an epoch (or of its remainder when resuming inside it).
  virtual void on_epoch_start(std::size_t epoch, std::size_t epoch_steps, std::size_t steps_done) {
    (void)epoch, (void)epoch_steps, (void)steps_done;
  }
  /// After every step.
  virtual void on_step(const StepEvent& step) { (void)step; }
  /// After an epoch's evaluation; `history` already holds `stats` as its last epoch.
  virtual void on_epoch_end(const EpochStats& stats, const TrainHistory& history) { (void)stats, (void)history; }
  /// Once, when fit() ends for any reason in FitEnd.
  virtual void on_fit_end(const TrainHistory& history, FitEnd how) { (void)history, (void)how; }
};

}  // namespace minidl
