// The Trainer over a task of the caller's (train/task.hpp): a regression task whose metric is
// lower-is-better, with its own sampling state. The loop, the history, the CSV columns, the best
// epoch and a mid-epoch resume all follow the task; and histories and run states written before
// tasks existed still load.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <minidl/minidl.hpp>
#include <minidl/optim/optimizers.hpp>
#include <minidl/train/trainer.hpp>

using namespace minidl;

namespace {

// y = x·w* + noise, fitted by one Linear layer. Batches are drawn at random by the task's own
// generator, so a resume is exact only if the task's state() carries it.
class RegressionTask : public TrainingTask<double> {
 public:
  explicit RegressionTask(std::uint64_t seed) : gen_(seed), data_gen_(99) {
    x_ = Tensor<double>::from_shape({kRows, 3});
    y_ = Tensor<double>::from_shape({kRows, 1});
    const double w[3] = {1.5, -2.0, 0.5};
    for (std::size_t i = 0; i < kRows; ++i) {
      double t = 0;
      for (std::size_t j = 0; j < 3; ++j) t += w[j] * (x_(i, j) = data_gen_.normal(0, 1));
      y_(i, 0) = t + data_gen_.normal(0, 0.1);
    }
  }
  std::size_t steps_per_epoch() const override { return 5; }
  std::size_t batch_size() const override { return kBatch; }
  void start_epoch(std::size_t epoch) override { epochs_started_ = epoch; }
  Variable<double> loss(Module<double>& model, std::size_t) override {
    Tensor<double> xb = Tensor<double>::from_shape({kBatch, 3}), yb = Tensor<double>::from_shape({kBatch, 1});
    for (std::size_t r = 0; r < kBatch; ++r) {
      const std::size_t i = static_cast<std::size_t>(gen_.uniform(0, 1) * kRows) % kRows;
      for (std::size_t j = 0; j < 3; ++j) xb(r, j) = x_(i, j);
      yb(r, 0) = y_(i, 0);
    }
    return mean_squared_error(model(Variable<double>(xb)), Variable<double>(yb));
  }
  std::vector<Metric> evaluate(Module<double>& model) override {
    ++evaluations_;
    const double mse = mean_squared_error(model(Variable<double>(x_)), Variable<double>(y_)).item();
    REQUIRE_FALSE(model.is_training());  // the Trainer evaluates in eval mode...
    REQUIRE_FALSE(grad_enabled());       // ... without recording a graph
    return {{"val_mse_loss", mse}, {"val_rmse", std::sqrt(mse)}};
  }
  Selection selection() const override { return {"val_rmse", false}; }
  nlohmann::json state() const override { return {{"generator", gen_.state()}, {"epochs", epochs_started_}}; }
  void restore(const nlohmann::json& s) override {
    if (!s.contains("generator") || !s.at("generator").is_string())
      throw std::invalid_argument("RegressionTask: no generator");
    gen_.set_state(s.at("generator").get<std::string>());
    epochs_started_ = s.at("epochs").get<std::size_t>();
  }

  std::size_t evaluations_ = 0;

 private:
  static constexpr std::size_t kRows = 64, kBatch = 8;
  Generator gen_, data_gen_;
  Tensor<double> x_, y_;
  std::size_t epochs_started_ = 0;
};

TrainerOptions epochs(std::size_t n) {
  TrainerOptions o;
  o.epochs = n;
  return o;
}

}  // namespace

TEST_CASE("Trainer over a task: its metrics, its selection, CSV columns named by it", "[trainer][task]") {
  Generator gen(1);
  Linear<double> model(3, 1, gen);
  SGD<double> opt(model.parameters(), 0.05);
  RegressionTask task(5);
  Trainer<double> trainer(model, opt, task, epochs(6));
  std::ostringstream log, progress;
  ConsoleReporter console(log, progress);
  trainer.add_reporter(console);
  const TrainHistory& h = trainer.fit();
  // The epoch line prints the task's metrics by name; losses stay in metrics.csv.
  REQUIRE_THAT(log.str(), Catch::Contains("epoch 6: loss ") && Catch::Contains("  val rmse 0."));
  REQUIRE_THAT(log.str(), !Catch::Contains("val mse"));
  REQUIRE(h.steps() == 30);
  REQUIRE(task.evaluations_ == 6);
  REQUIRE(model.is_training());  // evaluation restored the mode
  REQUIRE(h.epochs.back().metric("val_rmse") < 0.5 * h.epochs.front().metric("val_rmse"));
  REQUIRE(std::isnan(h.epochs.back().metric("test_acc")));  // a metric the task does not measure
  REQUIRE(h.metric_names() == std::vector<std::string>{"val_mse_loss", "val_rmse"});

  // Lower is better: best() is the epoch with the smallest val_rmse, whichever it is.
  const EpochStats* best = h.best();
  REQUIRE(best != nullptr);
  for (const auto& e : h.epochs) REQUIRE(best->metric("val_rmse") <= e.metric("val_rmse"));

  const std::string csv = metrics_csv(h);
  REQUIRE(csv.substr(0, csv.find('\n')) == "epoch,step,lr,train_loss,val_mse_loss,val_rmse,elapsed_s");

  // The classifier-only setters name the problem instead of doing nothing.
  REQUIRE_THROWS_AS(trainer.set_validation(nullptr), std::logic_error);
  REQUIRE_THROWS_AS(trainer.set_loss({}), std::logic_error);
}

TEST_CASE("Trainer over a task: stopped mid-epoch and resumed equals one run, bit for bit", "[trainer][task][resume]") {
  auto run = [](std::size_t stop_after, bool resume) {
    Generator gen(1);
    Linear<double> model(3, 1, gen);
    Momentum<double> opt(model.parameters(), 0.02);
    RegressionTask task(5);
    Trainer<double> trainer(model, opt, task, epochs(4));
    if (!resume) {
      trainer.fit();
      return std::make_pair(Tensor<double>(model.W.data()), trainer.history().loss);
    }
    std::size_t steps = 0;
    trainer.stop_requested = [&] { return steps >= stop_after; };
    struct Count : TrainReporter {
      std::size_t* n;
      void on_step(const StepEvent&) override { ++*n; }
    } count;
    count.n = &steps;
    trainer.add_reporter(count);
    trainer.fit();
    REQUIRE(trainer.history().interrupted);
    const nlohmann::json state = nlohmann::json::parse(trainer.state().dump());
    const OptimizerState<double> optimizer_state = opt.export_state();

    // A fresh model, optimizer and task, restored from what was saved.
    Generator gen2(1);
    Linear<double> model2(3, 1, gen2);
    model2.W.data() = model.W.data();
    model2.b.data() = model.b.data();
    Momentum<double> opt2(model2.parameters(), 0.02);
    opt2.import_state(optimizer_state);
    RegressionTask task2(12345);  // a different seed: only the restored state may matter
    Trainer<double> resumed(model2, opt2, task2, epochs(4));
    resumed.restore(state);
    resumed.fit();
    return std::make_pair(Tensor<double>(model2.W.data()), resumed.history().loss);
  };
  const auto whole = run(0, false);
  for (std::size_t stop : {3, 5, 12}) {
    const auto parts = run(stop, true);
    REQUIRE(parts.second == whole.second);
    REQUIRE(parts.first == whole.first);
  }
}

TEST_CASE("history_from_json reads the epoch layout without named metrics", "[trainer][task]") {
  const nlohmann::json old = nlohmann::json::parse(R"({
    "loss": [2.0, 1.0], "lr": [0.1, 0.1], "seconds": 3.5,
    "epochs": [{"epoch": 1, "step": 2, "lr": 0.1, "loss": 1.5, "train_acc": 0.9, "val_acc": null,
                "test_loss": 0.4, "test_acc": 0.85, "epoch_seconds": 1.0, "elapsed_seconds": 3.0}]})");
  TrainHistory h = history_from_json(old);
  REQUIRE(h.epochs.size() == 1);
  REQUIRE(h.epochs[0].metric("train_acc") == 0.9);
  REQUIRE(std::isnan(h.epochs[0].metric("val_acc")));
  REQUIRE(h.epochs[0].metric("test_acc") == 0.85);
  REQUIRE(h.metric_names() == std::vector<std::string>{"train_acc", "test_loss", "test_acc"});

  // And the named layout round-trips, NaN included.
  h.epochs[0].metrics.push_back({"val_ppl", std::nan("")});
  const TrainHistory back = history_from_json(nlohmann::json::parse(history_to_json(h).dump()));
  REQUIRE(back.metric_names() == h.metric_names());
  REQUIRE(back.epochs[0].metric("test_loss") == 0.4);
  REQUIRE(std::isnan(back.epochs[0].metric("val_ppl")));

  nlohmann::json bad = history_to_json(h);
  bad["epochs"][0]["metrics"][0] = "train_acc";
  REQUIRE_THROWS_WITH(history_from_json(bad), Catch::Contains("not a [name, number] pair"));
}

TEST_CASE("split_metric_name: the suffix says what a metric is", "[trainer][task]") {
  REQUIRE(split_metric_name("val_acc") == std::make_pair(MetricKind::accuracy, std::string("val")));
  REQUIRE(split_metric_name("test_ppl") == std::make_pair(MetricKind::perplexity, std::string("test")));
  REQUIRE(split_metric_name("test_loss") == std::make_pair(MetricKind::loss, std::string("test")));
  REQUIRE(split_metric_name("val_rmse") == std::make_pair(MetricKind::other, std::string("val_rmse")));
  REQUIRE(split_metric_name("_acc").first == MetricKind::other);  // a suffix alone names nothing
}
