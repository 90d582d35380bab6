// Stopping and resuming a run: Generator and DataLoader states, Trainer::state()/restore(), and
// runs that stop after k steps, go through a checkpoint file and resume to N, which must equal N
// steps in one go bit for bit (parameters, every step's loss and learning rate, every epoch's
// numbers except wall times): MLP+SGD, SimpleConvNet+Adam and a network with dropout.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <minidl/minidl.hpp>
#include <minidl/optim/optimizers.hpp>

#include "data_fixtures.hpp"
#include <minidl/models/mlp.hpp>
#include <minidl/models/multi_layer_net.hpp>
#include <minidl/models/simple_conv_net.hpp>

using namespace minidl;

namespace {

// Three noisy classes of `dim`-dimensional points (or dim = C*H*W images, reshaped by item_shape).
TensorDataset<float> noisy_classes(std::size_t n, const Shape& item_shape, std::uint64_t seed) {
  Generator gen(seed);
  Shape shape{n};
  shape.insert(shape.end(), item_shape.begin(), item_shape.end());
  Tensor<float> x = Tensor<float>::from_shape(shape);
  const std::size_t numel = shape_size(item_shape);
  std::vector<std::size_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = i % 3;
    for (std::size_t j = 0; j < numel; ++j)
      x.data()[i * numel + j] = static_cast<float>(gen.normal((j % 3 == labels[i]) ? 1.0 : 0.0, 0.7));
  }
  return TensorDataset<float>(std::move(x), std::move(labels), 3);
}

// Stops the trainer once `at` steps are done (the stop is honoured before the next step).
struct StopAt : TrainReporter {
  Trainer<float>* trainer = nullptr;
  std::size_t at = 0;
  void on_step(const StepEvent& e) override {
    if (e.step == at) trainer->request_stop();
  }
};

// One model + optimizer + trainer, built the same way every time from the same seed.
struct Run {
  Generator gen{11};
  std::shared_ptr<Module<float>> model;
  std::unique_ptr<Optimizer<float>> optimizer;
  std::unique_ptr<Trainer<float>> trainer;
};

using Builder = std::function<void(Run&)>;

void require_same_params(const Module<float>& a, const Module<float>& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].first);
    const auto& x = pa[i].second.data();
    const auto& y = pb[i].second.data();
    REQUIRE(x.size() == y.size());
    REQUIRE(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0);
  }
}

void require_same_history(const TrainHistory& a, const TrainHistory& b) {
  REQUIRE(a.loss == b.loss);  // exact: vectors of doubles compared element by element
  REQUIRE(a.lr == b.lr);
  REQUIRE(a.epochs.size() == b.epochs.size());
  for (std::size_t e = 0; e < a.epochs.size(); ++e) {
    INFO("epoch " << e + 1);
    const EpochStats &x = a.epochs[e], &y = b.epochs[e];
    REQUIRE(x.step == y.step);
    REQUIRE(x.lr == y.lr);
    REQUIRE(x.loss == y.loss);
    const auto same = [](double u, double v) { return (std::isnan(u) && std::isnan(v)) || u == v; };
    REQUIRE(same(x.metric("train_acc"), y.metric("train_acc")));
    REQUIRE(same(x.metric("val_acc"), y.metric("val_acc")));
    REQUIRE(same(x.metric("test_loss"), y.metric("test_loss")));
    REQUIRE(same(x.metric("test_acc"), y.metric("test_acc")));
  }
}

// N steps in one go vs stop after `stop` steps, save a training checkpoint (weights, optimizer
// spec and state, and the Trainer's state as run_state), rebuild everything from scratch, load it
// and resume to the end.
void check_resume(const Builder& build, std::size_t stop) {
  Run straight;
  build(straight);
  const TrainHistory whole = straight.trainer->fit();

  fixtures::TempDir dir;
  const std::string ckpt = dir.file("model.ckpt");
  {
    Run first;
    build(first);
    StopAt stopper;
    stopper.trainer = first.trainer.get();
    stopper.at = stop;
    first.trainer->add_reporter(stopper);
    const TrainHistory& part = first.trainer->fit();
    REQUIRE(part.interrupted);
    REQUIRE(part.steps() == stop);
    save_checkpoint(ckpt, *first.model, nlohmann::json(), first.optimizer.get(), first.trainer->state());
  }
  Run second;
  build(second);
  const CheckpointInfo info = load_checkpoint(ckpt, *second.model, second.optimizer.get());
  second.trainer->restore(info.run_state);
  const TrainHistory& rest = second.trainer->fit();
  REQUIRE_FALSE(rest.interrupted);
  require_same_params(*straight.model, *second.model);
  require_same_history(whole, rest);
  REQUIRE(second.optimizer->steps() == straight.optimizer->steps());
}

}  // namespace

TEST_CASE("Generator: state() and set_state() continue the stream exactly", "[resume]") {
  Generator a(5);
  for (int i = 0; i < 1000; ++i) a.uniform();
  const std::string saved = a.state();
  const double next = a.normal(), after = a.uniform();
  Generator b(99);
  b.set_state(saved);
  REQUIRE(b.initial_seed() == 5);
  REQUIRE(b.normal() == next);
  REQUIRE(b.uniform() == after);
  REQUIRE_THROWS_WITH(b.set_state("12 34 not a state"), Catch::Contains("not a saved generator state"));
  REQUIRE_THROWS_AS(b.set_state(saved.substr(0, saved.size() / 2)), std::invalid_argument);
  REQUIRE_THROWS_AS(b.set_state(saved + " 7"), std::invalid_argument);
}

TEST_CASE("DataLoader: state() mid-epoch restores the epoch's order and every later one", "[resume][loader]") {
  auto data = noisy_classes(50, {2}, 1);
  for (Sampling sampling : {Sampling::shuffle, Sampling::with_replacement}) {
    LoaderOptions lo;
    lo.batch_size = 8;
    lo.sampling = sampling;
    lo.seed = 4;
    DataLoader<float> a(data, lo), b(data, lo);
    a.start_epoch();
    a.start_epoch();
    (void)a.batch(3);
    const LoaderState s = a.state();
    REQUIRE(s.epochs_started == 2);
    b.restore(s);
    REQUIRE(b.epoch() == 2);
    for (std::size_t i = 0; i < a.num_batches(); ++i) REQUIRE(a.batch(i).indices == b.batch(i).indices);
    a.start_epoch();
    b.start_epoch();
    for (std::size_t i = 0; i < a.num_batches(); ++i) REQUIRE(a.batch(i).indices == b.batch(i).indices);
  }
  // A fresh loader's state restores to "no epoch yet".
  DataLoader<float> fresh(data, {8}), other(data, {8});
  other.restore(fresh.state());
  REQUIRE(other.epoch() == 0);
  REQUIRE(other.batch(0).indices == fresh.batch(0).indices);
}

TEST_CASE("dropout_generators finds the masks' generators at any depth", "[resume]") {
  Generator gen(1);
  models::MultiLayerNetConfig cfg;
  cfg.input_size = 4;
  cfg.hidden_sizes = {5, 5};
  cfg.output_size = 3;
  cfg.use_dropout = true;
  models::MultiLayerNet<float> net(cfg, gen);
  const auto gens = dropout_generators<float>(net);
  REQUIRE(gens.size() == 1);  // both Dropout layers share the net's own generator
  REQUIRE(gens[0] == &net.dropout_generator());
  models::MLP<float> mlp({4, 5, 3}, gen);
  REQUIRE(dropout_generators<float>(mlp).empty());
}

TEST_CASE("resume: MLP + SGD stopped mid-epoch equals one run, bit for bit", "[resume]") {
  static auto train = noisy_classes(120, {6}, 1), test = noisy_classes(30, {6}, 2), val = noisy_classes(24, {6}, 3);
  const Builder build = [](Run& r) {
    r.model = std::make_shared<models::MLP<float>>(std::vector<std::size_t>{6, 16, 3}, r.gen);
    r.optimizer = std::make_unique<SGD<float>>(r.model->parameters(), 0.1);
    TrainerOptions o;
    o.epochs = 4;
    o.loader.batch_size = 16;  // 8 steps an epoch, the last one of 8 items
    o.loader.seed = 3;
    r.trainer = std::make_unique<Trainer<float>>(*r.model, *r.optimizer, train, &test, o);
    r.trainer->set_validation(&val);
    r.trainer->set_schedule(cosine_lr(32, 0.1));
  };
  SECTION("inside an epoch") { check_resume(build, 13); }
  SECTION("at an epoch boundary") { check_resume(build, 16); }
}

TEST_CASE("resume: a run that max_steps ended inside an epoch continues to a longer run, bit for bit", "[resume]") {
  static auto train = noisy_classes(120, {6}, 1), test = noisy_classes(30, {6}, 2);
  const auto build = [](Run& r, std::size_t max_steps) {
    r.model = std::make_shared<models::MLP<float>>(std::vector<std::size_t>{6, 16, 3}, r.gen);
    r.optimizer = std::make_unique<Momentum<float>>(r.model->parameters(), 0.05);
    TrainerOptions o;
    o.max_steps = max_steps;
    o.loader.batch_size = 16;  // 8 steps an epoch
    o.loader.seed = 3;
    r.trainer = std::make_unique<Trainer<float>>(*r.model, *r.optimizer, train, &test, o);
  };
  Run straight;
  build(straight, 30);
  const TrainHistory whole = straight.trainer->fit();
  REQUIRE(whole.epochs.size() == 4);  // the last one partial: steps 25-30

  fixtures::TempDir dir;
  const std::string ckpt = dir.file("model.ckpt");
  {
    Run first;
    build(first, 13);
    const TrainHistory& part = first.trainer->fit();
    REQUIRE_FALSE(part.interrupted);
    REQUIRE(part.epochs.size() == 2);  // epoch 2 measured after 5 of its 8 steps
    REQUIRE(part.epochs.back().step == 13);
    save_checkpoint(ckpt, *first.model, nlohmann::json(), first.optimizer.get(), first.trainer->state());
  }
  Run second;
  build(second, 30);
  const CheckpointInfo info = load_checkpoint(ckpt, *second.model, second.optimizer.get());
  second.trainer->restore(info.run_state);
  REQUIRE(second.trainer->history().epochs.size() == 2);
  const TrainHistory& rest = second.trainer->fit();
  require_same_params(*straight.model, *second.model);
  require_same_history(whole, rest);  // epoch 2's early summary gave way to the whole epoch's

  // Resumed with the same max_steps, nothing runs and the partial epoch's summary stays.
  Run again;
  build(again, 13);
  load_checkpoint(ckpt, *again.model, again.optimizer.get());
  again.trainer->restore(info.run_state);
  const TrainHistory& same = again.trainer->fit();
  REQUIRE(same.steps() == 13);
  REQUIRE(same.epochs.size() == 2);
  REQUIRE(same.epochs.back().step == 13);
}

TEST_CASE("resume: a net with dropout (its mask generator restored) equals one run", "[resume]") {
  static auto train = noisy_classes(90, {6}, 1), test = noisy_classes(30, {6}, 2);
  const Builder build = [](Run& r) {
    models::MultiLayerNetConfig cfg;
    cfg.input_size = 6;
    cfg.hidden_sizes = {12, 12};
    cfg.output_size = 3;
    cfg.use_dropout = true;
    cfg.dropout_ratio = 0.3;
    r.model = std::make_shared<models::MultiLayerNet<float>>(cfg, r.gen);
    r.optimizer = std::make_unique<SGD<float>>(r.model->parameters(), 0.1);
    TrainerOptions o;
    o.epochs = 3;
    o.loader.batch_size = 10;
    o.loader.seed = 8;
    r.trainer = std::make_unique<Trainer<float>>(*r.model, *r.optimizer, train, &test, o);
  };
  check_resume(build, 14);
}

TEST_CASE("Trainer::restore refuses a state that does not fit", "[resume]") {
  auto train = noisy_classes(40, {4}, 1);
  Generator gen(1);
  models::MLP<float> model({4, 5, 3}, gen);
  SGD<float> opt(model.parameters(), 0.1);
  TrainerOptions o;
  o.epochs = 1;
  o.loader.batch_size = 10;
  Trainer<float> trainer(model, opt, train, nullptr, o);
  trainer.fit();
  const nlohmann::json good = trainer.state();
  REQUIRE(good["step"] == 4);
  REQUIRE(good["steps_per_epoch"] == 4);

  o.loader.batch_size = 20;
  Trainer<float> other(model, opt, train, nullptr, o);
  REQUIRE_THROWS_WITH(other.restore(good), Catch::Contains("4 steps an epoch, this trainer has 2"));
  nlohmann::json bad = good;
  bad["history"]["loss"].push_back(1.0);
  REQUIRE_THROWS_AS(trainer.restore(bad), std::invalid_argument);
  bad = good;
  bad["generators"].push_back("x");
  REQUIRE_THROWS_WITH(trainer.restore(bad), Catch::Contains("1 random generators, this model and trainer use 0"));
  bad = good;
  bad.erase("task");
  REQUIRE_THROWS_WITH(trainer.restore(bad), Catch::Contains("no 'task'"));
  bad = good;
  bad["task"].erase("generator");
  REQUIRE_THROWS_WITH(trainer.restore(bad), Catch::Contains("ClassifierTask::restore: 'generator'"));
  bad = good;
  bad["version"] = 3;
  REQUIRE_THROWS_WITH(trainer.restore(bad), Catch::Contains("version 3"));

  // A run state saved before tasks existed (version 1: the sampler's state under "sampler") still
  // restores, to the same position and sampler.
  nlohmann::json v1 = good;
  v1["version"] = 1;
  v1["sampler"] = v1["task"];
  v1.erase("task");
  for (auto& e : v1["history"]["epochs"]) {  // and its epochs without named metrics
    e["train_acc"] = nullptr, e["val_acc"] = nullptr, e["test_loss"] = nullptr, e["test_acc"] = nullptr;
    e.erase("metrics");
  }
  Trainer<float> old(model, opt, train, nullptr, o);
  REQUIRE_THROWS_AS(old.restore(v1), std::invalid_argument);  // 2 steps an epoch here, 4 in the run
  o.loader.batch_size = 10;
  Trainer<float> same_run(model, opt, train, nullptr, o);
  same_run.restore(v1);
  REQUIRE(same_run.history().steps() == 4);
  REQUIRE(same_run.state()["task"] == good["task"]);
}

TEST_CASE("resume: SimpleConvNet + Adam (moments and step counts in the checkpoint) equals one run", "[resume]") {
  static auto train = noisy_classes(60, {1, 10, 10}, 1), test = noisy_classes(20, {1, 10, 10}, 2);
  const Builder build = [](Run& r) {
    models::SimpleConvNetConfig c;
    c.height = c.width = 10;
    c.filter_num = 4;
    c.filter_size = 3;
    c.hidden = 16;
    c.classes = 3;
    r.model = std::make_shared<models::SimpleConvNet<float>>(r.gen, c);
    r.optimizer = std::make_unique<Adam<float>>(r.model->parameters(), 0.01);
    TrainerOptions o;
    o.epochs = 3;
    o.loader.batch_size = 8;  // 8 steps an epoch, the last one of 4 items
    o.loader.seed = 5;
    o.eval_batch = 16;
    r.trainer = std::make_unique<Trainer<float>>(*r.model, *r.optimizer, train, &test, o);
  };
  check_resume(build, 11);
}
