#include "minidl/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>

#include "minidl/core/grad_mode.hpp"
#include "minidl/ops/loss.hpp"
#include "minidl/train/metrics.hpp"
#include "minidl/train/plot.hpp"
#include "minidl/train/progress.hpp"

namespace minidl {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::unique_ptr<std::ofstream> open_csv(const std::string& path, const char* header) {
  if (path.empty()) return nullptr;
  auto out = std::make_unique<std::ofstream>(path);
  if (!*out) throw std::runtime_error("Trainer: cannot write '" + path + "'");
  *out << header << "\n";
  return out;
}

}  // namespace

TrainingDiverged::TrainingDiverged(std::size_t step, std::size_t epoch, const std::string& reason)
    : std::runtime_error("training diverged at step " + std::to_string(step) + " (epoch " + std::to_string(epoch) +
                         "): " + reason),
      step_(step),
      epoch_(epoch) {}

template <typename T>
double evaluate_accuracy(Module<T>& model, const Dataset<T>& data, std::size_t limit, std::size_t batch) {
  const std::size_t n = limit == 0 ? data.size() : std::min(limit, data.size());
  if (n == 0) throw std::invalid_argument("evaluate_accuracy: no items to evaluate");
  if (batch == 0) throw std::invalid_argument("evaluate_accuracy: batch must be > 0");
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const std::size_t numel = data.item_numel();
  std::size_t correct = 0;
  Tensor<T> x;
  std::vector<std::size_t> labels;
  try {
    for (std::size_t start = 0; start < n; start += batch) {
      const std::size_t rows = std::min(batch, n - start);
      Shape shape{rows};
      shape.insert(shape.end(), data.item_shape().begin(), data.item_shape().end());
      if (!std::equal(shape.begin(), shape.end(), x.shape().begin(), x.shape().end())) x = Tensor<T>::from_shape(shape);
      labels.resize(rows);
      for (std::size_t r = 0; r < rows; ++r) labels[r] = data.get(start + r, x.data() + r * numel);
      correct += count_correct(model(Variable<T>(x)).data(), labels);
    }
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  return static_cast<double>(correct) / static_cast<double>(n);
}

template <typename T>
Trainer<T>::Trainer(Module<T>& model, Optimizer<T>& optimizer, const Dataset<T>& train, const Dataset<T>* test,
                    TrainerOptions options)
    : model_(model), optimizer_(optimizer), train_(train), test_(test), options_(std::move(options)) {
  if (options_.epochs == 0 && options_.max_steps == 0)
    throw std::invalid_argument("Trainer: epochs and max_steps are both 0: nothing to train");
  if (options_.eval_batch == 0) throw std::invalid_argument("Trainer: eval_batch must be > 0");
  loss_ = [](Module<T>& m, const Batch<T>& b) { return softmax_cross_entropy(m(Variable<T>(b.features)), b.labels); };
}

template <typename T>
const TrainHistory& Trainer<T>::fit() {
  const TrainerOptions& o = options_;
  const auto start = Clock::now();
  history_ = TrainHistory{};
  std::ostream& log = o.log ? *o.log : std::cout;
  model_.train();  // dropout and batch norm in training mode (evaluation switches and restores)

  DataLoader<T> loader(train_, o.loader);
  const std::size_t per_epoch = loader.num_batches();
  const std::size_t total_steps = o.max_steps ? o.max_steps : o.epochs * per_epoch;
  const std::size_t epochs = (total_steps + per_epoch - 1) / per_epoch;
  history_.loss.reserve(total_steps);
  history_.lr.reserve(total_steps);

  auto metrics = open_csv(o.metrics_csv, "epoch,step,train_loss,train_acc,test_acc,elapsed_s");
  auto steps_csv = open_csv(o.steps_csv, "step,epoch,loss");
  const double base_lr = optimizer_.lr();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  std::size_t step = 0;
  for (std::size_t epoch = 1; epoch <= epochs && step < total_steps; ++epoch) {
    const auto epoch_start = Clock::now();
    const std::size_t this_epoch = std::min(per_epoch, total_steps - step);
    std::unique_ptr<ProgressBar> bar;
    if (o.verbose) {
      const std::string label = "epoch " + std::to_string(epoch) + "/" + std::to_string(epochs);
      bar = o.progress ? std::make_unique<ProgressBar>(this_epoch, label, o.loader.batch_size, *o.progress, false)
                       : std::make_unique<ProgressBar>(this_epoch, label, o.loader.batch_size);
    }
    double loss_sum = 0;
    loader.start_epoch();
    for (std::size_t i = 0; i < this_epoch; ++i) {
      const Batch<T>& batch = loader.batch(i);
      optimizer_.zero_grad();
      Variable<T> loss;
      double l = 0;
      try {
        loss = loss_(model_, batch);
        l = static_cast<double>(loss.item());
        // A custom loss may not check for itself; softmax_cross_entropy throws domain_error first.
        if (!std::isfinite(l)) throw std::domain_error("loss is " + std::string(std::isnan(l) ? "NaN" : "infinite"));
      } catch (const std::domain_error& e) {
        if (bar) bar->finish();
        if (steps_csv) steps_csv->flush();
        history_.seconds = seconds_since(start);
        throw TrainingDiverged(step + 1, epoch, e.what());
      }
      loss.backward();
      if (o.schedule)
        apply_schedule(optimizer_, *o.schedule, base_lr, o.schedule_unit == ScheduleUnit::step ? step : epoch - 1);
      optimizer_.step();
      ++step;
      loss_sum += l;
      history_.loss.push_back(l);
      history_.lr.push_back(optimizer_.lr());
      if (steps_csv) *steps_csv << step << "," << epoch << "," << l << "\n";
      if (bar) bar->update(i + 1, l);
      if (on_step) on_step(step, l);
    }
    if (bar) bar->finish();

    EpochStats s;
    s.epoch = epoch;
    s.step = step;
    s.loss = loss_sum / static_cast<double>(this_epoch);
    s.lr = optimizer_.lr();
    s.epoch_seconds = seconds_since(epoch_start);
    s.train_acc = s.test_acc = nan;
    if (o.evaluate) {
      if (o.evaluate_train) s.train_acc = evaluate_accuracy(model_, train_, o.train_eval_limit, o.eval_batch);
      if (test_) s.test_acc = evaluate_accuracy(model_, *test_, o.test_eval_limit, o.eval_batch);
    }
    s.elapsed_seconds = seconds_since(start);
    history_.epochs.push_back(s);

    if (o.verbose) {
      log << std::fixed << std::setprecision(4) << "epoch " << epoch << ": loss " << s.loss << std::setprecision(2);
      if (!std::isnan(s.train_acc)) log << "  train acc " << 100 * s.train_acc << "%";
      if (!std::isnan(s.test_acc)) log << "  test acc " << 100 * s.test_acc << "%";
      log << "  (" << std::setprecision(1) << s.elapsed_seconds << " s)" << std::endl;
      log.unsetf(std::ios::floatfield);
      log << std::setprecision(6);
    }
    if (metrics) {
      *metrics << epoch << "," << step << "," << s.loss << "," << s.train_acc << "," << s.test_acc << ","
               << s.elapsed_seconds << "\n";
      metrics->flush();
    }
    if (on_epoch) on_epoch(s);
  }

  if (!o.plot_stem.empty()) {
    PlotSeries loss_curve{"mini-batch loss", {}, {}}, train_curve{"train", {}, {}}, test_curve{"test", {}, {}};
    for (std::size_t i = 0; i < history_.loss.size(); ++i) {
      loss_curve.x.push_back(static_cast<double>(i + 1));
      loss_curve.y.push_back(history_.loss[i]);
    }
    for (const auto& e : history_.epochs) {
      if (!std::isnan(e.train_acc)) {
        train_curve.x.push_back(static_cast<double>(e.epoch));
        train_curve.y.push_back(e.train_acc);
      }
      if (!std::isnan(e.test_acc)) {
        test_curve.x.push_back(static_cast<double>(e.epoch));
        test_curve.y.push_back(e.test_acc);
      }
    }
    std::vector<PlotPanel> panels{{"Training loss", "step", "loss", {loss_curve}}};
    std::vector<PlotSeries> acc;
    if (!train_curve.x.empty()) acc.push_back(train_curve);
    if (!test_curve.x.empty()) acc.push_back(test_curve);
    if (!acc.empty()) panels.push_back({"Accuracy", "epoch", "accuracy", acc});
    history_.plot_path = write_plot(o.plot_stem, panels, o.svg);
  }
  history_.seconds = seconds_since(start);
  return history_;
}

template class Trainer<float>;
template class Trainer<double>;
template double evaluate_accuracy<float>(Module<float>&, const Dataset<float>&, std::size_t, std::size_t);
template double evaluate_accuracy<double>(Module<double>&, const Dataset<double>&, std::size_t, std::size_t);

}  // namespace minidl
