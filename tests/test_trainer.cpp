// Trainer on a small synthetic problem: the loss falls, the history has the right sizes, a NaN
// stops training naming its step, schedules and callbacks run; plus evaluate_accuracy and subsets.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <minidl/data/subset.hpp>
#include <minidl/minidl.hpp>
#include <minidl/optim/optimizers.hpp>
#include <minidl/train/trainer.hpp>

#include <minidl/models/mlp.hpp>

using namespace minidl;

namespace {

// Three Gaussian blobs in 2-D around (2,0), (-1,1.7), (-1,-1.7) with stddev 0.5: nearly separable.
TensorDataset<float> blobs(std::size_t n, std::uint64_t seed) {
  Generator gen(seed);
  const float cx[3] = {2.0f, -1.0f, -1.0f}, cy[3] = {0.0f, 1.7f, -1.7f};
  Tensor<float> x = Tensor<float>::from_shape({n, 2});
  std::vector<std::size_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = i % 3;
    x(i, 0) = cx[i % 3] + static_cast<float>(gen.normal(0, 0.5));
    x(i, 1) = cy[i % 3] + static_cast<float>(gen.normal(0, 0.5));
  }
  return TensorDataset<float>(std::move(x), std::move(labels), 3);
}

TrainerOptions quiet(std::size_t epochs, std::size_t batch) {
  TrainerOptions o;
  o.epochs = epochs;
  o.loader.batch_size = batch;
  o.loader.seed = 3;
  return o;
}

// Records every event, checking their order as they come.
struct Recorder : TrainReporter {
  std::size_t fit_starts = 0, epoch_starts = 0, steps = 0, epoch_ends = 0, fit_ends = 0;
  FitEnd how = FitEnd::completed;
  void on_fit_start(const FitPlan&, const TrainHistory&) override { ++fit_starts; }
  void on_epoch_start(std::size_t epoch, std::size_t, std::size_t) override { REQUIRE(epoch == ++epoch_starts); }
  void on_step(const StepEvent& e) override {
    REQUIRE(e.step == ++steps);
    REQUIRE(e.epoch == epoch_starts);
    REQUIRE(std::isfinite(e.loss));
  }
  void on_epoch_end(const EpochStats& s, const TrainHistory& h) override {
    REQUIRE(s.epoch == ++epoch_ends);
    REQUIRE(&h.epochs.back() == &s);
  }
  void on_fit_end(const TrainHistory&, FitEnd end) override {
    ++fit_ends;
    how = end;
  }
};

}  // namespace

TEST_CASE("Trainer: the loss falls and accuracy rises on separable blobs", "[trainer]") {
  auto train = blobs(300, 1), test = blobs(150, 2);
  Generator gen(7);
  models::MLP<float> model({2, 16, 3}, gen);
  Momentum<float> opt(model.parameters(), 0.05);
  Trainer<float> trainer(model, opt, train, &test, quiet(5, 30));
  Recorder events;
  trainer.add_reporter(events);
  const TrainHistory& h = trainer.fit();

  // 300 items / batch 30 = 10 steps an epoch, 5 epochs.
  REQUIRE(h.steps() == 50);
  REQUIRE(h.loss.size() == 50);
  REQUIRE(h.lr.size() == 50);
  REQUIRE(h.epochs.size() == 5);
  REQUIRE(events.steps == 50);
  REQUIRE(events.epoch_ends == 5);
  REQUIRE(events.fit_starts == 1);
  REQUIRE(events.fit_ends == 1);
  REQUIRE(events.how == FitEnd::completed);
  REQUIRE(h.epochs.back().step == 50);
  REQUIRE(h.epochs[0].loss > 2 * h.epochs.back().loss);
  REQUIRE(h.epochs.back().metric("train_acc") > 0.95);
  REQUIRE(h.epochs.back().metric("test_acc") > 0.95);
  REQUIRE(h.epochs.back().metric("test_loss") < h.epochs[0].loss);
  REQUIRE(std::isnan(h.epochs.back().metric("val_acc")));  // no validation split
  REQUIRE(h.epochs.back().elapsed_seconds >= h.epochs.front().elapsed_seconds);
  REQUIRE(h.lr.front() == Approx(0.05));
  REQUIRE(opt.steps() == 50);
}

TEST_CASE("Trainer: max_steps ends inside an epoch; no test set, no evaluation", "[trainer]") {
  auto train = blobs(90, 1);
  Generator gen(7);
  models::MLP<float> model({2, 8, 3}, gen);
  SGD<float> opt(model.parameters(), 0.1);
  TrainerOptions o = quiet(1, 20);  // 5 batches an epoch (the last has 10 items)
  o.max_steps = 12;
  o.evaluate_train = false;
  Trainer<float> trainer(model, opt, train, nullptr, o);
  const TrainHistory& h = trainer.fit();
  REQUIRE(h.steps() == 12);
  REQUIRE(h.epochs.size() == 3);
  REQUIRE(h.epochs[2].step == 12);
  REQUIRE(std::isnan(h.epochs[2].metric("train_acc")));
  REQUIRE(std::isnan(h.epochs[2].metric("test_acc")));
  REQUIRE_THROWS_AS(Trainer<float>(model, opt, train, nullptr, quiet(0, 10)), std::invalid_argument);
}

TEST_CASE("Trainer: a poisoned input stops training at its step with a clear message", "[trainer]") {
  auto clean = blobs(60, 1);
  Tensor<float> x = clean.features();
  x(37, 1) = std::numeric_limits<float>::quiet_NaN();  // item 37: step 4 with sequential batches of 10
  TensorDataset<float> train(std::move(x), clean.labels(), 3);
  Generator gen(7);
  // Sigmoid, because relu maps NaN to 0 and would hide the poison.
  models::MLP<float> model({2, 8, 3}, gen, Activation::Sigmoid);
  SGD<float> opt(model.parameters(), 0.1);
  TrainerOptions o = quiet(2, 10);
  o.loader.sampling = Sampling::sequential;
  Trainer<float> trainer(model, opt, train, nullptr, o);
  try {
    trainer.fit();
    FAIL("expected TrainingDiverged");
  } catch (const TrainingDiverged& e) {
    REQUIRE(e.step() == 4);
    REQUIRE(e.epoch() == 1);
    REQUIRE_THAT(e.what(), Catch::StartsWith("training diverged at step 4 (epoch 1): softmax_cross_entropy") &&
                               Catch::Contains("NaN"));
  }
  // The three good steps are in the history, and the bad one was never applied.
  REQUIRE(trainer.history().steps() == 3);
  REQUIRE(opt.steps() == 3);
}

TEST_CASE("Trainer: an absurd learning rate diverges and is reported", "[trainer]") {
  auto train = blobs(300, 1);
  Generator gen(7);
  models::MLP<float> model({2, 16, 3}, gen);
  SGD<float> opt(model.parameters(), 1e30);
  Trainer<float> trainer(model, opt, train, nullptr, quiet(3, 30));
  REQUIRE_THROWS_AS(trainer.fit(), TrainingDiverged);
  REQUIRE_THROWS_WITH(trainer.fit(), Catch::Contains("training diverged at step"));
  REQUIRE(trainer.history().steps() < 90);
}

TEST_CASE("Trainer: a custom loss returning inf is caught too", "[trainer]") {
  auto train = blobs(30, 1);
  Generator gen(7);
  models::MLP<float> model({2, 4, 3}, gen);
  SGD<float> opt(model.parameters(), 0.1);
  Trainer<float> trainer(model, opt, train, nullptr, quiet(1, 10));
  std::size_t calls = 0;
  trainer.set_loss([&](Module<float>& m, const Batch<float>& b) {
    auto l = softmax_cross_entropy(m(b.input), b.labels);
    return ++calls == 2 ? l * std::numeric_limits<float>::infinity() : l;
  });
  REQUIRE_THROWS_WITH(trainer.fit(), Catch::StartsWith("training diverged at step 2 (epoch 1): loss is infinite"));
}

TEST_CASE("Trainer: schedule per epoch or per step sets each step's learning rate", "[trainer]") {
  auto train = blobs(40, 1);
  Generator gen(7);
  models::MLP<float> model({2, 4, 3}, gen);
  SGD<float> opt(model.parameters(), 0.2);
  TrainerOptions o = quiet(3, 10);  // 4 steps an epoch
  o.evaluate = false;
  o.schedule = step_lr(1, 0.5);
  o.schedule_unit = ScheduleUnit::epoch;
  Trainer<float> trainer(model, opt, train, nullptr, o);
  const TrainHistory& h = trainer.fit();
  REQUIRE(h.lr.size() == 12);
  REQUIRE(h.lr[0] == Approx(0.2));
  REQUIRE(h.lr[3] == Approx(0.2));
  REQUIRE(h.lr[4] == Approx(0.1));
  REQUIRE(h.lr[11] == Approx(0.05));
  REQUIRE(h.epochs[2].lr == Approx(0.05));

  opt.set_lr(0.2);
  o.schedule = then(warmup_lr(4), 4, cosine_lr(8));
  o.schedule_unit = ScheduleUnit::step;
  Trainer<float> per_step(model, opt, train, nullptr, o);
  const TrainHistory& h2 = per_step.fit();
  REQUIRE(h2.lr[0] == Approx(0.05));
  REQUIRE(h2.lr[3] == Approx(0.2));
  REQUIRE(h2.lr[8] == Approx(0.1));  // cosine(4) of 8: halfway
  REQUIRE(h2.lr[11] == Approx(0.2 * 0.5 * (1 + std::cos(M_PI * 7 / 8))));
}

TEST_CASE("Trainer reporters: console lines, CSV files and the plot", "[trainer]") {
  auto train = blobs(60, 1), test = blobs(30, 2), val = blobs(20, 3);
  Generator gen(7);
  models::MLP<float> model({2, 8, 3}, gen);
  Adam<float> opt(model.parameters(), 0.01);
  TrainerOptions o = quiet(2, 20);
  o.test_eval_limit = 10;
  Trainer<float> trainer(model, opt, train, &test, o);
  trainer.set_validation(&val);
  std::ostringstream log, progress;
  ConsoleReporter console(log, progress);
  const std::string stem = "trainer_test_out";
  CsvReporter csv(stem + "_metrics.csv", stem + "_steps.csv");
  PlotReporter plot(stem + "_curves", true);
  trainer.add_reporter(console);
  trainer.add_reporter(csv);
  trainer.add_reporter(plot);
  const TrainHistory& h = trainer.fit();
  REQUIRE_THAT(log.str(), Catch::StartsWith("epoch 1: loss ") && Catch::Contains("train acc") &&
                              Catch::Contains("val acc") && Catch::Contains("test acc") &&
                              Catch::Contains("epoch 2: loss "));
  REQUIRE_THAT(progress.str(), Catch::Contains("epoch 2/2 [") && Catch::Contains("3/3"));
  // Test accuracy over the first 10 test items only: a multiple of 1/10; validation over all 20.
  const double scaled = h.epochs.back().metric("test_acc") * 10;
  REQUIRE(scaled == Approx(std::round(scaled)).margin(1e-9));
  const double val_scaled = h.epochs.back().metric("val_acc") * 20;
  REQUIRE(val_scaled == Approx(std::round(val_scaled)).margin(1e-9));

  auto lines = [](const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  const auto metrics = lines(stem + "_metrics.csv"), steps = lines(stem + "_steps.csv");
  REQUIRE(metrics.size() == 1 + 2);
  REQUIRE(metrics[0] == "epoch,step,lr,train_loss,train_acc,val_acc,test_loss,test_acc,elapsed_s");
  REQUIRE_THAT(metrics[2], Catch::StartsWith("2,6,0.01,"));
  REQUIRE(steps.size() == 1 + 6);
  REQUIRE(steps[0] == "step,epoch,loss,lr");
  REQUIRE_THAT(steps[4], Catch::StartsWith("4,2,"));
  REQUIRE_THAT(steps[4], Catch::EndsWith(",0.01"));
  // Every number reads back as the double the history holds.
  REQUIRE(std::stod(steps[4].substr(4, steps[4].size() - 9)) == h.loss[3]);
  REQUIRE(metrics_csv(h) == [&] {
    std::string all;
    for (const auto& l : metrics) all += l + "\n";
    return all;
  }());
  REQUIRE(plot.path() == stem + "_curves.svg");
  REQUIRE(std::ifstream(plot.path()).good());
  REQUIRE_FALSE(std::ifstream(stem + "_metrics.csv.tmp").good());  // written aside, then renamed
  std::remove((stem + "_metrics.csv").c_str());
  std::remove((stem + "_steps.csv").c_str());
  std::remove(plot.path().c_str());
}

TEST_CASE("evaluate_accuracy: limit, batching, and the model's mode is restored", "[trainer]") {
  // A fixed linear "model": class = argmax of (x0, x1, -x0-x1).
  struct Fixed : Module<float> {
    Variable<float> forward(const Variable<float>& x) override {
      REQUIRE_FALSE(is_training());
      Tensor<float> out = Tensor<float>::from_shape({x.shape()[0], 3});
      for (std::size_t i = 0; i < x.shape()[0]; ++i) {
        out(i, 0) = x.data()(i, 0);
        out(i, 1) = x.data()(i, 1);
        out(i, 2) = -x.data()(i, 0) - x.data()(i, 1);
      }
      return Variable<float>(out);
    }
  } model;
  Tensor<float> x = {{1, 0}, {0, 1}, {-1, -1}, {1, 0}, {1, 0}};
  TensorDataset<float> data(x, {0, 1, 2, 2, 1}, 3);  // the last two are wrong
  REQUIRE(evaluate_accuracy<float>(model, data) == Approx(0.6));
  REQUIRE(evaluate_accuracy<float>(model, data, 3) == Approx(1.0));
  REQUIRE(evaluate_accuracy<float>(model, data, 4, 3) == Approx(0.75));  // batches of 3 then 1
  REQUIRE(model.is_training());
  REQUIRE_THROWS_AS(evaluate_accuracy<float>(model, data, 0, 0), std::invalid_argument);
  // The loss is the item mean of the cross-entropy, whatever the batching.
  const Evaluation whole = evaluate<float>(model, data), split = evaluate<float>(model, data, 0, 2);
  REQUIRE(whole.items == 5);
  REQUIRE(whole.loss == Approx(split.loss).epsilon(1e-6));
  {
    EvalModeGuard<float> eval_mode(model);
    REQUIRE(whole.loss == Approx(softmax_cross_entropy(model(Variable<float>(x)), {0, 1, 2, 2, 1}).item()).epsilon(1e-6));
  }
  REQUIRE(model.is_training());
  // The guard restores the mode also when the evaluation throws, and keeps eval mode if it was on.
  REQUIRE_THROWS(evaluate<float>(model, TensorDataset<float>(Tensor<float>({{1, 0}}), {7}, 8)));  // label 7 of 3 scores
  REQUIRE(model.is_training());
  model.eval();
  evaluate<float>(model, data);
  REQUIRE_FALSE(model.is_training());
}

TEST_CASE("SubsetDataset and split_indices", "[trainer][data]") {
  auto base = blobs(10, 1);
  SubsetDataset<float> sub(base, {7, 2, 2});
  REQUIRE(sub.size() == 3);
  REQUIRE(sub.item_shape() == Shape{2});
  float f[2];
  REQUIRE(sub.get(0, f) == base.label(7));
  REQUIRE(f[0] == base.features()(7, 0));
  REQUIRE(sub.label(2) == base.label(2));
  REQUIRE_THROWS_AS(sub.get(3, f), std::out_of_range);
  REQUIRE_THROWS_WITH(SubsetDataset<float>(base, {1, 10}), Catch::Contains("index 10 at position 1"));

  Generator gen(5);
  auto [tr, val] = split_indices(500, 0.2, gen);
  REQUIRE(val.size() == 100);
  REQUIRE(tr.size() == 400);
  std::vector<int> seen(500, 0);
  for (auto i : tr) ++seen[i];
  for (auto i : val) ++seen[i];
  for (int s : seen) REQUIRE(s == 1);
  REQUIRE(val != first_indices(100));  // shuffled, not the first 100
  Generator again(5);
  REQUIRE(split_indices(500, 0.2, again).second == val);  // same seed, same split
  REQUIRE_THROWS_AS(split_indices(10, 1.5, gen), std::invalid_argument);
}

TEST_CASE("Trainer: a checkpoint taken at an epoch's end carries the run's time so far", "[trainer][resume]") {
  auto train = blobs(60, 1);
  Generator gen(7);
  models::MLP<float> model({2, 8, 3}, gen);
  SGD<float> opt(model.parameters(), 0.05);
  Trainer<float> trainer(model, opt, train, nullptr, quiet(3, 20));
  struct AtEpochEnd : TrainReporter {
    Trainer<float>* trainer = nullptr;
    std::vector<double> saved, elapsed;
    void on_epoch_end(const EpochStats& s, const TrainHistory&) override {
      saved.push_back(trainer->state()["history"]["seconds"].get<double>());
      elapsed.push_back(s.elapsed_seconds);
    }
  } probe;
  probe.trainer = &trainer;
  trainer.add_reporter(probe);
  trainer.fit();
  REQUIRE(probe.saved.size() == 3);
  for (std::size_t e = 0; e < 3; ++e) {
    REQUIRE(probe.saved[e] == probe.elapsed[e]);  // what a resumed run starts counting from
    REQUIRE(probe.saved[e] > 0);
  }
}
