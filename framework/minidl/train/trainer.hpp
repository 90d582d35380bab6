#pragma once
// Trainer: the one training loop (the book's common/trainer.py). What it trains comes from a
// TrainingTask (train/task.hpp): a classifier on images (ClassifierTask, built for you by the
// dataset constructor below), a language model on token streams, a seq2seq model on pairs.
//
//   models::MLP<float> model({784, 100, 10}, gen);
//   Adam<float> optimizer(model.parameters());
//   TrainerOptions opt;
//   opt.epochs = 5;
//   opt.loader.batch_size = 100;
//   Trainer<float> trainer(model, optimizer, train_set, &test_set, opt);
//   ConsoleReporter console;
//   trainer.add_reporter(console);            // progress bars and epoch lines; CSV, plot, checkpoints
//   const TrainHistory& h = trainer.fit();    // are reporters too (train/*_reporter.hpp)
//
// Each step: zero_grad, the task's loss, backward, learning-rate schedule, optimizer.step(). After
// each epoch: the task's measurements, in eval mode without a graph (for a classifier, accuracy on
// the training set, the validation split and the test set, and the test loss). Only the task's
// selection metric (a validation one) may choose between epochs; the test set is reported, never
// consulted.
//
// A run can stop between two steps (request_stop, or the stop_requested hook polled before every
// step) and continue later: state() is everything the loop needs besides the model and optimizer
// (step, epoch, the task's position, every random generator, the schedule's base rate, the history),
// and restore() on a fresh Trainer over an identically built model and task continues bit for bit.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "minidl/core/random.hpp"
#include "minidl/core/variable.hpp"
#include "minidl/data/dataloader.hpp"
#include "minidl/data/dataset.hpp"
#include "minidl/nn/module.hpp"
#include "minidl/optim/optimizer.hpp"
#include "minidl/optim/schedule.hpp"
#include "minidl/train/classifier_task.hpp"
#include "minidl/train/history.hpp"
#include "minidl/train/reporter.hpp"
#include "minidl/train/task.hpp"

namespace minidl {

/// What the count t of a learning-rate schedule counts.
enum class ScheduleUnit {
  step,  ///< t = steps done so far (0 for the first step)
  epoch  ///< t = epochs done so far (0 during the first epoch)
};

/// Trainer settings. The loop's own are epochs, max_steps, evaluate and the schedule; the rest is
/// the ClassifierOptions the dataset constructor hands to the ClassifierTask it builds (a Trainer
/// over a task of the caller's ignores them).
struct TrainerOptions : ClassifierOptions {
  std::size_t epochs = 20;             ///< passes over the training data
  std::size_t max_steps = 0;           ///< total steps instead (0 = epochs × batches per epoch); the
                                       ///< last epoch may then be partial
  bool evaluate = true;                ///< measure (TrainingTask::evaluate) after every epoch

  std::optional<Schedule> schedule;    ///< lr = base lr (the optimizer's when the run starts) × schedule(t)
  ScheduleUnit schedule_unit = ScheduleUnit::step;
};

/// Thrown when a step's loss is NaN or infinite: names the step (1-based, counted over the whole
/// run) and the epoch, and carries the loss function's own message.
class TrainingDiverged : public std::runtime_error {
 public:
  TrainingDiverged(std::size_t step, std::size_t epoch, const std::string& reason);
  std::size_t step() const { return step_; }
  std::size_t epoch() const { return epoch_; }

 private:
  std::size_t step_, epoch_;
};

/// Runs training of `model` with `optimizer` on a task. The model, optimizer, task (or datasets)
/// and reporters must outlive the trainer.
template <typename T>
class Trainer {
 public:
  /// The loss of one classifier batch; must return a scalar Variable.
  using LossFn = typename ClassifierTask<T>::LossFn;

  /// Trains on `task`. Throws std::invalid_argument for zero epochs (with max_steps 0) or a task
  /// with no steps per epoch.
  Trainer(Module<T>& model, Optimizer<T>& optimizer, TrainingTask<T>& task, TrainerOptions options = {});

  /// Trains a classifier on `train`, measured on `test` (may be null) and on a validation split
  /// (set_validation): a ClassifierTask built from `options`, owned by the trainer. Throws
  /// std::invalid_argument as above, and for a zero eval_batch or a loader the training set cannot
  /// feed (batch size 0, empty set).
  Trainer(Module<T>& model, Optimizer<T>& optimizer, const Dataset<T>& train, const Dataset<T>* test,
          TrainerOptions options = {});

  /// Replaces the classifier's loss (ClassifierTask::set_loss). Throws std::logic_error on a
  /// trainer built over a task of the caller's: set it on that task.
  void set_loss(LossFn loss) { classifier("set_loss").set_loss(std::move(loss)); }
  /// Replaces options().schedule; a schedule usually needs total_steps(), known only now.
  void set_schedule(std::optional<Schedule> schedule, ScheduleUnit unit = ScheduleUnit::step) {
    options_.schedule = std::move(schedule);
    options_.schedule_unit = unit;
  }
  /// Held-out data whose accuracy the classifier measures after every epoch (nullptr = none).
  /// Throws std::logic_error on a trainer built over a task of the caller's.
  void set_validation(const Dataset<T>* validation) { classifier("set_validation").set_validation(validation); }
  /// Adds a listener; reporters hear every event in the order they were added.
  void add_reporter(TrainReporter& reporter) { reporters_.push_back(&reporter); }
  /// Adds a generator whose state belongs to the run (the Dropout layers' generators and the
  /// sampler's are tracked already). Must outlive the trainer.
  void track_generator(Generator& gen);

  /// Polled before every step: returning true stops fit() there (FitEnd::interrupted), e.g. a
  /// signal handler's flag. A step in progress always finishes.
  std::function<bool()> stop_requested;
  /// Stops fit() before its next step; safe to call from another thread or a reporter.
  void request_stop() { stop_.store(true); }

  /// Trains up to the configured epochs or steps (from where restore() left off, if it was called)
  /// and returns the history (also in history()). The model and optimizer carry on from their
  /// current state. Throws TrainingDiverged on a NaN/inf loss (history() then holds every step
  /// before it, and the bad step was not applied), and whatever the loss, model or a reporter
  /// throws otherwise. A second fit() without restore() starts a fresh history and sampler.
  const TrainHistory& fit();

  /// Everything to continue this run besides the model and optimizer, as JSON: the position (step,
  /// epoch), the steps per epoch it was made with, the schedule's base learning rate, the task's
  /// state (TrainingTask::state), every tracked generator's state, and the history.
  nlohmann::json state() const;
  /// Continues from a state() taken from a trainer built the same way (same task, data, batch size
  /// and model); the next fit() picks up at its step. Also reads the layout of the classifier-only
  /// trainer (version 1, the sampler's state under "sampler"). Throws std::invalid_argument naming
  /// what does not match (steps per epoch, number of generators) or which field is malformed.
  void restore(const nlohmann::json& state);

  /// Batches in one epoch.
  std::size_t steps_per_epoch() const { return task_.steps_per_epoch(); }
  /// Steps of the whole run: max_steps, or epochs × steps_per_epoch().
  std::size_t total_steps() const;
  const TrainHistory& history() const { return history_; }
  const TrainerOptions& options() const { return options_; }
  /// The task being trained.
  TrainingTask<T>& task() { return task_; }

 private:
  ClassifierTask<T>& classifier(const char* what);
  void check_plan() const;
  bool should_stop() const;
  void end_epoch(std::size_t epoch, std::size_t first_step, double epoch_seconds);
  template <typename F>
  void notify(F&& event);

  Module<T>& model_;
  Optimizer<T>& optimizer_;
  std::unique_ptr<ClassifierTask<T>> own_task_;  // the dataset constructor's task
  TrainingTask<T>& task_;
  TrainerOptions options_;
  std::vector<Generator*> generators_;
  std::vector<TrainReporter*> reporters_;
  TrainHistory history_;
  std::atomic<bool> stop_{false};
  bool resumed_ = false;   // restore() was called and fit() has not consumed it yet
  double base_lr_ = 0;     // the rate the schedule scales
};

}  // namespace minidl
