#pragma once
// Trainer: the one training loop (the book's common/trainer.py) for any classifier Module.
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
// Each step: zero_grad, forward, loss (softmax cross-entropy on the batch labels unless set_loss
// replaces it), backward, learning-rate schedule, optimizer.step(). After each epoch: accuracy on
// the training set, the validation split and the test set (loss too on the test set). Only the
// validation split may be used to choose between epochs; the test set is reported, never consulted.
//
// A run can stop between two steps (request_stop, or the stop_requested hook polled before every
// step) and continue later: state() is everything the loop needs besides the model and optimizer
// (step, epoch, sampler position, every random generator, the schedule's base rate, the history),
// and restore() on a fresh Trainer over an identically built model continues bit for bit.

#include <atomic>
#include <cstddef>
#include <functional>
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
#include "minidl/train/history.hpp"
#include "minidl/train/reporter.hpp"

namespace minidl {

/// What the count t of a learning-rate schedule counts.
enum class ScheduleUnit {
  step,  ///< t = steps done so far (0 for the first step)
  epoch  ///< t = epochs done so far (0 during the first epoch)
};

/// Trainer settings.
struct TrainerOptions {
  std::size_t epochs = 20;             ///< passes over the training set
  std::size_t max_steps = 0;           ///< total steps instead (0 = epochs × batches per epoch); the
                                       ///< last epoch may then be partial
  LoaderOptions loader;                ///< batch size, sampling (shuffle / the book's with-replacement), seed

  bool evaluate = true;                ///< measure after every epoch
  bool evaluate_train = true;          ///< ... accuracy on the training set too (the book does)
  std::size_t train_eval_limit = 0;    ///< train accuracy over the first N training items (0 = all)
  std::size_t test_eval_limit = 0;     ///< test loss and accuracy over the first N test items (0 = all)
  std::size_t eval_batch = 1000;       ///< rows per forward pass when evaluating

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

/// Runs training of `model` with `optimizer` on `train`, evaluating on `test` (may be null) and on
/// a validation split (set_validation). The model, optimizer, datasets and reporters must outlive
/// the trainer.
template <typename T>
class Trainer {
 public:
  /// The loss of one batch; must return a scalar Variable.
  using LossFn = std::function<Variable<T>(Module<T>& model, const Batch<T>& batch)>;

  /// Throws std::invalid_argument for zero epochs (with max_steps 0), a zero eval_batch, or a
  /// loader the training set cannot feed (batch size 0, empty set).
  Trainer(Module<T>& model, Optimizer<T>& optimizer, const Dataset<T>& train, const Dataset<T>* test,
          TrainerOptions options = {});

  /// Replaces the default loss, softmax_cross_entropy(model(batch.features), batch.labels).
  void set_loss(LossFn loss) { loss_ = std::move(loss); }
  /// Replaces options().schedule; a schedule usually needs total_steps(), known only now.
  void set_schedule(std::optional<Schedule> schedule, ScheduleUnit unit = ScheduleUnit::step) {
    options_.schedule = std::move(schedule);
    options_.schedule_unit = unit;
  }
  /// Held-out data whose accuracy is measured after every epoch (nullptr = none).
  void set_validation(const Dataset<T>* validation) { validation_ = validation; }
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
  /// epoch), the steps per epoch it was made with, the schedule's base learning rate, the sampler's
  /// and every tracked generator's state, and the history.
  nlohmann::json state() const;
  /// Continues from a state() taken from a trainer built the same way (same data, batch size and
  /// model); the next fit() picks up at its step. Throws std::invalid_argument naming what does
  /// not match (steps per epoch, number of generators) or which field is malformed.
  void restore(const nlohmann::json& state);

  /// Batches in one epoch.
  std::size_t steps_per_epoch() const { return loader_.num_batches(); }
  /// Steps of the whole run: max_steps, or epochs × steps_per_epoch().
  std::size_t total_steps() const;
  const TrainHistory& history() const { return history_; }
  const TrainerOptions& options() const { return options_; }

 private:
  bool should_stop() const;
  void end_epoch(std::size_t epoch, std::size_t first_step, double epoch_seconds);
  template <typename F>
  void notify(F&& event);

  Module<T>& model_;
  Optimizer<T>& optimizer_;
  const Dataset<T>& train_;
  const Dataset<T>* test_;
  const Dataset<T>* validation_ = nullptr;
  TrainerOptions options_;
  LossFn loss_;
  DataLoader<T> loader_;
  std::vector<Generator*> generators_;
  std::vector<TrainReporter*> reporters_;
  TrainHistory history_;
  std::atomic<bool> stop_{false};
  bool resumed_ = false;   // restore() was called and fit() has not consumed it yet
  double base_lr_ = 0;     // the rate the schedule scales
};

}  // namespace minidl
