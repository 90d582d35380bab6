// Trainer on a small synthetic problem: the loss falls, the history has the right sizes, a NaN
// stops training naming its step, schedules and callbacks run; plus evaluate_accuracy and subsets.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

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
  o.verbose = false;
  return o;
}

}  // namespace

TEST_CASE("Trainer: the loss falls and accuracy rises on separable blobs", "[trainer]") {
  auto train = blobs(300, 1), test = blobs(150, 2);
  Generator gen(7);
  models::MLP<float> model({2, 16, 3}, gen);
  Momentum<float> opt(model.parameters(), 0.05);
  Trainer<float> trainer(model, opt, train, &test, quiet(5, 30));
  std::size_t step_calls = 0, epoch_calls = 0;
  trainer.on_step = [&](std::size_t step, double loss) {
    ++step_calls;
    REQUIRE(step == step_calls);
    REQUIRE(std::isfinite(loss));
  };
  trainer.on_epoch = [&](const EpochStats& s) { REQUIRE(s.epoch == ++epoch_calls); };
  const TrainHistory& h = trainer.fit();

  // 300 items / batch 30 = 10 steps an epoch, 5 epochs.
  REQUIRE(h.steps() == 50);
  REQUIRE(h.loss.size() == 50);
  REQUIRE(h.lr.size() == 50);
  REQUIRE(h.epochs.size() == 5);
  REQUIRE(step_calls == 50);
  REQUIRE(epoch_calls == 5);
  REQUIRE(h.epochs.back().step == 50);
  REQUIRE(h.epochs[0].loss > 2 * h.epochs.back().loss);
  REQUIRE(h.epochs.back().train_acc > 0.95);
  REQUIRE(h.epochs.back().test_acc > 0.95);
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
  REQUIRE(std::isnan(h.epochs[2].train_acc));
  REQUIRE(std::isnan(h.epochs[2].test_acc));
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
    auto l = softmax_cross_entropy(m(Variable<float>(b.features)), b.labels);
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

TEST_CASE("Trainer: verbose epoch lines, CSV files and the plot", "[trainer]") {
  auto train = blobs(60, 1), test = blobs(30, 2);
  Generator gen(7);
  models::MLP<float> model({2, 8, 3}, gen);
  Adam<float> opt(model.parameters(), 0.01);
  TrainerOptions o = quiet(2, 20);
  std::ostringstream log;
  std::ostringstream progress;
  o.verbose = true;
  o.log = &log;
  o.progress = &progress;
  o.test_eval_limit = 10;
  const std::string dir = "trainer_test_out";
  o.metrics_csv = dir + "_metrics.csv";
  o.steps_csv = dir + "_steps.csv";
  o.plot_stem = dir + "_curves";
  o.svg = true;
  Trainer<float> trainer(model, opt, train, &test, o);
  const TrainHistory& h = trainer.fit();
  REQUIRE_THAT(log.str(), Catch::StartsWith("epoch 1: loss ") && Catch::Contains("train acc") &&
                              Catch::Contains("test acc") && Catch::Contains("epoch 2: loss "));
  REQUIRE_THAT(progress.str(), Catch::Contains("epoch 2/2 [") && Catch::Contains("3/3"));
  // Test accuracy over the first 10 test items only: a multiple of 1/10.
  const double scaled = h.epochs.back().test_acc * 10;
  REQUIRE(scaled == Approx(std::round(scaled)).margin(1e-9));

  auto count_lines = [](const std::string& path) {
    std::ifstream in(path);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  REQUIRE(count_lines(o.metrics_csv) == 1 + 2);
  REQUIRE(count_lines(o.steps_csv) == 1 + 6);
  std::ifstream metrics(o.metrics_csv);
  std::string header;
  std::getline(metrics, header);
  REQUIRE(header == "epoch,step,train_loss,train_acc,test_acc,elapsed_s");
  REQUIRE(h.plot_path == o.plot_stem + ".svg");
  REQUIRE(std::ifstream(h.plot_path).good());
  std::remove(o.metrics_csv.c_str());
  std::remove(o.steps_csv.c_str());
  std::remove(h.plot_path.c_str());
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
