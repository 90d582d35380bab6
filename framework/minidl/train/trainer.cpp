#include "minidl/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "minidl/core/grad_mode.hpp"
#include "minidl/nn/dropout.hpp"

namespace minidl {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The version of the JSON written by Trainer::state(). restore() also reads version 1, written when
// the Trainer knew only classifiers: the same fields, with the sampler's state as "sampler".
constexpr int kRunStateVersion = 2;
constexpr int kClassifierRunStateVersion = 1;

const nlohmann::json& field(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key))
    throw std::invalid_argument(std::string("Trainer::restore: run state has no '") + key + "'");
  return j.at(key);
}

std::size_t count_field(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = field(j, key);
  if (!v.is_number_integer() || v.get<long long>() < 0)
    throw std::invalid_argument(std::string("Trainer::restore: '") + key + "' is not a count");
  return v.get<std::size_t>();
}


}  // namespace

TrainingDiverged::TrainingDiverged(std::size_t step, std::size_t epoch, const std::string& reason)
    : std::runtime_error("training diverged at step " + std::to_string(step) + " (epoch " + std::to_string(epoch) +
                         "): " + reason),
      step_(step),
      epoch_(epoch) {}

template <typename T>
Trainer<T>::Trainer(Module<T>& model, Optimizer<T>& optimizer, TrainingTask<T>& task, TrainerOptions options)
    : model_(model),
      optimizer_(optimizer),
      task_(task),
      options_(std::move(options)),
      generators_(dropout_generators(model)) {
  check_plan();
}

template <typename T>
Trainer<T>::Trainer(Module<T>& model, Optimizer<T>& optimizer, const Dataset<T>& train, const Dataset<T>* test,
                    TrainerOptions options)
    : model_(model),
      optimizer_(optimizer),
      own_task_(std::make_unique<ClassifierTask<T>>(train, test, options)),
      task_(*own_task_),
      options_(std::move(options)),
      generators_(dropout_generators(model)) {
  check_plan();
}

template <typename T>
void Trainer<T>::check_plan() const {
  if (options_.epochs == 0 && options_.max_steps == 0)
    throw std::invalid_argument("Trainer: epochs and max_steps are both 0: nothing to train");
  if (task_.steps_per_epoch() == 0) throw std::invalid_argument("Trainer: the task has no steps in an epoch");
}

template <typename T>
ClassifierTask<T>& Trainer<T>::classifier(const char* what) {
  if (!own_task_)
    throw std::logic_error(std::string("Trainer::") + what +
                           ": this trainer runs a task of the caller's; set it on that task");
  return *own_task_;
}

template <typename T>
void Trainer<T>::track_generator(Generator& gen) {
  if (std::find(generators_.begin(), generators_.end(), &gen) == generators_.end()) generators_.push_back(&gen);
}

template <typename T>
std::size_t Trainer<T>::total_steps() const {
  return options_.max_steps ? options_.max_steps : options_.epochs * steps_per_epoch();
}

template <typename T>
bool Trainer<T>::should_stop() const {
  return stop_.load() || (stop_requested && stop_requested());
}

template <typename T>
template <typename F>
void Trainer<T>::notify(F&& event) {
  for (TrainReporter* r : reporters_) event(*r);
}

template <typename T>
void Trainer<T>::end_epoch(std::size_t epoch, std::size_t first_step, double epoch_seconds) {
  const TrainerOptions& o = options_;
  EpochStats s;
  s.epoch = epoch;
  s.step = history_.steps();
  s.lr = history_.lr.back();
  // The epoch's mean loss from the history, in step order: the same sum whether or not the epoch
  // was interrupted and resumed in the middle.
  double loss_sum = 0;
  for (std::size_t i = first_step; i < history_.steps(); ++i) loss_sum += history_.loss[i];
  s.loss = loss_sum / static_cast<double>(history_.steps() - first_step);
  s.epoch_seconds = epoch_seconds;
  if (o.evaluate) {
    // Measured in eval mode without a graph; the model's mode comes back even if the task throws.
    NoGradGuard no_grad;
    EvalModeGuard<T> eval_mode(model_);
    s.metrics = task_.evaluate(model_);
  }
  history_.epochs.push_back(s);
}

template <typename T>
const TrainHistory& Trainer<T>::fit() {
  const TrainerOptions& o = options_;
  const auto start = Clock::now();
  if (!resumed_) {
    history_ = TrainHistory{};
    base_lr_ = optimizer_.lr();
  }
  history_.selection = task_.selection();
  resumed_ = false;
  history_.interrupted = false;
  stop_.store(false);
  const double seconds_before = history_.seconds;  // earlier parts of a resumed run
  model_.train();  // dropout and batch norm in training mode (evaluation switches and restores)

  const std::size_t per_epoch = steps_per_epoch();
  const std::size_t total = total_steps();
  // Continuing a run that max_steps ended inside an epoch makes that epoch whole again: its early
  // summary gives way to the one measured at the epoch's real end. (Evaluation changes no state,
  // so the continued run equals one that never stopped.)
  if (!history_.epochs.empty() && history_.steps() < total &&
      history_.epochs.back().step < history_.epochs.size() * per_epoch)
    history_.epochs.pop_back();
  FitPlan plan{per_epoch, total, (total + per_epoch - 1) / per_epoch, task_.batch_size(), history_.steps()};
  history_.loss.reserve(total);
  history_.lr.reserve(total);
  notify([&](TrainReporter& r) { r.on_fit_start(plan, history_); });

  FitEnd how = FitEnd::completed;
  std::size_t step = history_.steps();
  for (std::size_t epoch = history_.epochs.size() + 1; step < total && how == FitEnd::completed; ++epoch) {
    const std::size_t first_step = (epoch - 1) * per_epoch;  // this epoch's first step, 0-based
    const std::size_t epoch_steps = std::min(per_epoch, total - first_step);
    if (step == first_step) {
      if (should_stop()) {
        how = FitEnd::interrupted;
        break;
      }
      task_.start_epoch(epoch);  // when resuming inside the epoch, restore() set the task's position
    }
    notify([&](TrainReporter& r) { r.on_epoch_start(epoch, epoch_steps, step - first_step); });
    const auto epoch_start = Clock::now();
    for (std::size_t i = step - first_step; i < epoch_steps; ++i) {
      if (i > 0 && should_stop()) {
        how = FitEnd::interrupted;
        break;
      }
      optimizer_.zero_grad();
      Variable<T> loss;
      double l = 0;
      try {
        loss = task_.loss(model_, i);
        l = static_cast<double>(loss.item());
        // A task's loss may not check for itself; softmax_cross_entropy throws domain_error first.
        if (!std::isfinite(l)) throw std::domain_error("loss is " + std::string(std::isnan(l) ? "NaN" : "infinite"));
      } catch (const std::domain_error& e) {
        history_.seconds = seconds_before + seconds_since(start);
        notify([&](TrainReporter& r) { r.on_fit_end(history_, FitEnd::diverged); });
        throw TrainingDiverged(step + 1, epoch, e.what());
      }
      loss.backward();
      if (o.schedule)
        apply_schedule(optimizer_, *o.schedule, base_lr_, o.schedule_unit == ScheduleUnit::step ? step : epoch - 1);
      optimizer_.step();
      ++step;
      history_.loss.push_back(l);
      history_.lr.push_back(optimizer_.lr());
      const StepEvent event{step, epoch, i + 1, epoch_steps, l, optimizer_.lr()};
      notify([&](TrainReporter& r) { r.on_step(event); });
    }
    if (how != FitEnd::completed) break;
    end_epoch(epoch, first_step, seconds_since(epoch_start));
    // The run's time so far goes into the history now, so a checkpoint written at this epoch's end
    // carries it and a run resumed from there keeps counting from it.
    history_.seconds = seconds_before + seconds_since(start);
    history_.epochs.back().elapsed_seconds = history_.seconds;
    notify([&](TrainReporter& r) { r.on_epoch_end(history_.epochs.back(), history_); });
  }
  history_.interrupted = how == FitEnd::interrupted;
  history_.seconds = seconds_before + seconds_since(start);
  notify([&](TrainReporter& r) { r.on_fit_end(history_, how); });
  return history_;
}

template <typename T>
nlohmann::json Trainer<T>::state() const {
  nlohmann::json gens = nlohmann::json::array();
  for (const Generator* g : generators_) gens.push_back(g->state());
  return {{"version", kRunStateVersion},
          {"step", history_.steps()},
          {"epochs_done", history_.epochs.size()},
          {"steps_per_epoch", steps_per_epoch()},
          {"base_lr", history_.steps() ? base_lr_ : optimizer_.lr()},
          {"task", task_.state()},
          {"generators", gens},
          {"history", history_to_json(history_)}};
}

template <typename T>
void Trainer<T>::restore(const nlohmann::json& state) {
  const std::size_t version = count_field(state, "version");
  if (version != static_cast<std::size_t>(kRunStateVersion) &&
      version != static_cast<std::size_t>(kClassifierRunStateVersion))
    throw std::invalid_argument("Trainer::restore: run state version " + field(state, "version").dump() +
                                ", this build reads versions " + std::to_string(kClassifierRunStateVersion) + " and " +
                                std::to_string(kRunStateVersion));
  const std::size_t per_epoch = count_field(state, "steps_per_epoch");
  if (per_epoch != steps_per_epoch())
    throw std::invalid_argument("Trainer::restore: the run had " + std::to_string(per_epoch) +
                                " steps an epoch, this trainer has " + std::to_string(steps_per_epoch()) +
                                " (same training data and batch size needed)");
  const nlohmann::json& gens = field(state, "generators");
  if (!gens.is_array() || gens.size() != generators_.size())
    throw std::invalid_argument("Trainer::restore: the run saved " + std::to_string(gens.is_array() ? gens.size() : 0) +
                                " random generators, this model and trainer use " +
                                std::to_string(generators_.size()));
  const nlohmann::json& base_lr = field(state, "base_lr");
  if (!base_lr.is_number()) throw std::invalid_argument("Trainer::restore: 'base_lr' is not a number");
  TrainHistory history = history_from_json(field(state, "history"));
  const std::size_t step = count_field(state, "step"), epochs_done = count_field(state, "epochs_done");
  // A run that max_steps ended inside an epoch has measured that partial epoch: its last epoch ends
  // at `step`, before the epoch's full length.
  const bool partial_last = epochs_done > 0 && history.epochs.size() == epochs_done &&
                            history.epochs.back().step == step && step > (epochs_done - 1) * per_epoch &&
                            step < epochs_done * per_epoch;
  if (step != history.steps() || epochs_done != history.epochs.size() ||
      (step < epochs_done * per_epoch && !partial_last) || step > (epochs_done + 1) * per_epoch)
    throw std::invalid_argument("Trainer::restore: step " + std::to_string(step) + " and " +
                                std::to_string(epochs_done) + " finished epochs do not agree with the history");
  const bool classifier_layout = version == static_cast<std::size_t>(kClassifierRunStateVersion);
  const nlohmann::json& task_state = field(state, classifier_layout ? "sampler" : "task");

  // Everything parsed: only now change the trainer, so a bad state leaves it untouched.
  std::vector<Generator> restored(generators_.size());
  for (std::size_t i = 0; i < generators_.size(); ++i) {
    if (!gens[i].is_string()) throw std::invalid_argument("Trainer::restore: generator state is not a string");
    restored[i].set_state(gens[i].get<std::string>());
  }
  task_.restore(task_state);  // checks before it changes anything, like this function
  for (std::size_t i = 0; i < generators_.size(); ++i) *generators_[i] = restored[i];
  base_lr_ = base_lr.get<double>();
  history_ = std::move(history);
  resumed_ = true;
}

template class Trainer<float>;
template class Trainer<double>;

}  // namespace minidl
