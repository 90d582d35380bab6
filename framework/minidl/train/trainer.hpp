#pragma once
// Trainer: the training loop of the book's common/trainer.py, for any classifier Module.
//
//   models::MLP<float> model({784, 100, 10}, gen);
//   Adam<float> optimizer(model.parameters());
//   TrainerOptions opt;
//   opt.epochs = 5;
//   opt.loader.batch_size = 100;
//   Trainer<float> trainer(model, optimizer, train_set, &test_set, opt);
//   const TrainHistory& h = trainer.fit();   // h.loss per step, h.epochs per epoch
//
// Each step: zero_grad, forward, loss (softmax cross-entropy on the batch labels unless set_loss
// replaces it), backward, optional learning-rate schedule, optimizer.step(). After each epoch:
// accuracy on the training and test sets (all of them or their first N items), a log line,
// CSV rows and callbacks. A NaN or infinite loss stops training with TrainingDiverged naming the
// step and epoch.

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "minidl/core/variable.hpp"
#include "minidl/data/dataloader.hpp"
#include "minidl/data/dataset.hpp"
#include "minidl/nn/module.hpp"
#include "minidl/optim/optimizer.hpp"
#include "minidl/optim/schedule.hpp"

namespace minidl {

/// What the count t of a learning-rate schedule counts.
enum class ScheduleUnit {
  step,  ///< t = steps done so far (0 for the first step)
  epoch  ///< t = epochs done so far (0 during the first epoch)
};

/// Trainer settings. The defaults are the train program's.
struct TrainerOptions {
  std::size_t epochs = 20;             ///< passes over the training set
  std::size_t max_steps = 0;           ///< total steps instead (0 = epochs × batches per epoch); the
                                       ///< last epoch may then be partial
  LoaderOptions loader;                ///< batch size, sampling (shuffle / the book's with-replacement), seed

  bool evaluate = true;                ///< measure accuracy after every epoch
  bool evaluate_train = true;          ///< ... on the training set too (the book does)
  std::size_t train_eval_limit = 0;    ///< train accuracy over the first N training items (0 = all)
  std::size_t test_eval_limit = 0;     ///< test accuracy over the first N test items (0 = all)
  std::size_t eval_batch = 1000;       ///< rows per forward pass when evaluating

  bool verbose = true;                 ///< a progress bar per epoch (on std::cerr) and an epoch line
  std::ostream* log = nullptr;         ///< where epoch lines go (nullptr = std::cout)
  std::ostream* progress = nullptr;    ///< where progress bars go (nullptr = std::cerr, redrawn in
                                       ///< place when it is a terminal; a given stream gets plain lines)

  std::optional<Schedule> schedule;    ///< lr = base lr (the optimizer's at fit()) × schedule(t)
  ScheduleUnit schedule_unit = ScheduleUnit::step;

  std::string metrics_csv;             ///< per-epoch CSV (epoch,step,train_loss,train_acc,test_acc,elapsed_s); empty = none
  std::string steps_csv;               ///< per-step CSV (step,epoch,loss); empty = none
  std::string plot_stem;               ///< write_plot stem for loss and accuracy curves; empty = none
  bool svg = false;                    ///< plot as SVG even when gnuplot is installed
};

/// One epoch's summary. Accuracies are NaN when not measured.
struct EpochStats {
  std::size_t epoch = 0;      ///< 1-based
  std::size_t step = 0;       ///< steps done at the end of the epoch
  double loss = 0;            ///< mean mini-batch loss over the epoch
  double train_acc = 0;       ///< in [0, 1]
  double test_acc = 0;        ///< in [0, 1]
  double lr = 0;              ///< learning rate of the epoch's last step
  double epoch_seconds = 0;   ///< training time of this epoch (without evaluation)
  double elapsed_seconds = 0; ///< since fit() started, evaluation included
};

/// Everything fit() measured.
struct TrainHistory {
  std::vector<double> loss;         ///< every step's mini-batch loss
  std::vector<double> lr;           ///< every step's learning rate
  std::vector<EpochStats> epochs;   ///< one entry per completed epoch
  double seconds = 0;               ///< wall time of fit()
  std::string plot_path;            ///< the plot written, if any

  /// Steps done.
  std::size_t steps() const { return loss.size(); }
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

/// Runs training of `model` with `optimizer` on `train`, evaluating on `test` (may be null).
/// The model, optimizer and datasets must outlive the trainer.
template <typename T>
class Trainer {
 public:
  /// The loss of one batch; must return a scalar Variable.
  using LossFn = std::function<Variable<T>(Module<T>& model, const Batch<T>& batch)>;

  /// Throws std::invalid_argument for zero epochs (with max_steps 0) or a zero eval_batch.
  Trainer(Module<T>& model, Optimizer<T>& optimizer, const Dataset<T>& train, const Dataset<T>* test,
          TrainerOptions options = {});

  /// Replaces the default loss, softmax_cross_entropy(model(batch.features), batch.labels).
  void set_loss(LossFn loss) { loss_ = std::move(loss); }
  /// Called after every step with the 1-based step number and its loss.
  std::function<void(std::size_t step, double loss)> on_step;
  /// Called after every epoch (after evaluation and logging), e.g. to save a checkpoint.
  std::function<void(const EpochStats&)> on_epoch;

  /// Trains for the configured epochs or steps and returns the history (also kept in history()).
  /// Each call starts a fresh history and a loader seeded from options().loader.seed; the model
  /// and optimizer carry on from their current state. Throws TrainingDiverged on a NaN/inf loss
  /// (history() then holds every step before it), and whatever the loss or model throws otherwise.
  const TrainHistory& fit();

  const TrainHistory& history() const { return history_; }
  const TrainerOptions& options() const { return options_; }

 private:
  Module<T>& model_;
  Optimizer<T>& optimizer_;
  const Dataset<T>& train_;
  const Dataset<T>* test_;
  TrainerOptions options_;
  LossFn loss_;
  TrainHistory history_;
};

/// Fraction of the first `limit` items of `data` (0 = all) whose argmax score is the label, in
/// batches of `batch` rows, without recording a graph and with the model in eval mode (its mode is
/// restored afterwards). Throws std::invalid_argument for an empty selection or batch 0.
template <typename T>
double evaluate_accuracy(Module<T>& model, const Dataset<T>& data, std::size_t limit = 0, std::size_t batch = 1000);

}  // namespace minidl
