// ch6_overfit_compare: the book's overfit_weight_decay.py and overfit_dropout.py (section 6.4).
// A 7-layer network (six hidden layers of 100 ReLU units) trained on only 300 MNIST images for
// 200 epochs, three ways: plain (overfits), with weight decay λ = 0.1 (½λΣ‖W‖² added to the loss),
// and with dropout ratio 0.2. Records training accuracy (on the 300) after every epoch and test
// accuracy (on all 10000 test images) every 5 epochs.
//
//   build/ch6_overfit_compare --out runs/ch6_overfit
//
// Writes overfit_compare.csv (run, epoch, train_acc, test_acc) and a plot into --out, and prints
// the final accuracies and the train-test gap of each run.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <minidl/minidl.hpp>

#include <minidl/models/multi_layer_net.hpp>

using namespace minidl;
using minidl::models::MultiLayerNet;
using minidl::models::MultiLayerNetConfig;

namespace {

constexpr std::size_t kTrainSize = 300;      // the book's x_train[:300]
constexpr std::size_t kBatchSize = 100;      // the book's batch_size
constexpr std::size_t kEpochs = 200;         // the book's max_epochs = 201 (epoch 0 .. 200)
constexpr double kLearningRate = 0.01;       // the book's SGD lr
constexpr double kWeightDecay = 0.1;         // the book's weight_decay_lambda
constexpr double kDropoutRatio = 0.2;        // the book's dropout_ratio
constexpr std::size_t kTestEvery = 5;        // epochs between test-set evaluations (the book: every
                                             // epoch; one pass over 10000 images costs ~20x an epoch)
const std::vector<std::size_t> kHidden{100, 100, 100, 100, 100, 100};  // [100] * 6

struct Run {
  std::string name;
  double lambda = 0;
  bool dropout = false;
  std::vector<double> train_acc;            // epoch 0 (before training) .. epochs
  std::vector<double> test_epoch, test_acc; // every kTestEvery epochs, and the last one
  double seconds = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 6: overfitting 300 images, plain vs weight decay vs dropout"};
  app.set_version_flag("--version", minidl::version_banner("ch6_overfit_compare"));
  std::string data_dir = "data/mnist", out_dir = "runs/ch6_overfit";
  std::size_t epochs = kEpochs;
  std::uint64_t seed = 1;
  bool svg = false;
  app.add_option("--data", data_dir, "MNIST directory");
  app.add_option("--out", out_dir, "output directory for the CSV and the plot");
  app.add_option("--epochs", epochs, "epochs per run (3 steps of 100 each)");
  app.add_option("--seed", seed, "seed for weights, batches and dropout masks");
  app.add_flag("--svg", svg, "write an SVG plot even when gnuplot is available");
  CLI11_PARSE(app, argc, argv);

  MnistData mnist = load_mnist(data_dir);
  const auto small = first_items(mnist.train, kTrainSize);
  const ByteImageDataset<float> train(small);
  const Var x_train(images_tensor<float>(*small));
  const std::vector<std::size_t> t_train = label_indices(*small);
  const Var x_test(mnist.x<float>(Split::test));
  const std::vector<std::size_t> t_test = mnist.labels(Split::test);
  std::filesystem::create_directories(out_dir);

  std::vector<Run> runs(3);
  runs[0].name = "plain";
  runs[1].name = "weight decay 0.1";
  runs[1].lambda = kWeightDecay;
  runs[2].name = "dropout 0.2";
  runs[2].dropout = true;
  for (Run& run : runs) {
    MultiLayerNetConfig cfg;
    cfg.hidden_sizes = kHidden;
    cfg.activation = Activation::ReLU;
    cfg.init = Init::He;
    cfg.weight_decay_lambda = run.lambda;
    cfg.use_dropout = run.dropout;
    cfg.dropout_ratio = kDropoutRatio;
    Generator gen(seed);
    MultiLayerNet<float> net(cfg, gen);  // same seed: all three start from the same weights
    SGD<float> opt(net.parameters(), kLearningRate);
    DataLoader<float> loader(train, {kBatchSize, Sampling::with_replacement, false, seed});
    const auto start = std::chrono::steady_clock::now();
    run.train_acc.push_back(net.accuracy(x_train, t_train));
    run.test_epoch.push_back(0);
    run.test_acc.push_back(net.accuracy(x_test, t_test));
    for (std::size_t e = 0; e < epochs; ++e) {
      for (const auto& b : loader) {  // 300 / 100 = 3 steps an epoch
        opt.zero_grad();
        net.loss(b.input, b.labels).backward();
        opt.step();
      }
      run.train_acc.push_back(net.accuracy(x_train, t_train));
      if ((e + 1) % kTestEvery == 0 || e + 1 == epochs) {
        run.test_epoch.push_back(static_cast<double>(e + 1));
        run.test_acc.push_back(net.accuracy(x_test, t_test));
      }
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  std::ofstream csv(out_dir + "/overfit_compare.csv");
  csv << "run,epoch,train_acc,test_acc\n";
  for (const auto& r : runs) {
    std::size_t k = 0;  // next test evaluation
    for (std::size_t e = 0; e < r.train_acc.size(); ++e) {
      csv << r.name << ',' << e << ',' << r.train_acc[e] << ',';
      if (k < r.test_epoch.size() && r.test_epoch[k] == static_cast<double>(e)) csv << r.test_acc[k++];
      csv << '\n';  // test_acc left empty between evaluations
    }
  }

  std::vector<PlotPanel> panels;
  for (const auto& r : runs) {
    PlotPanel p{r.name, "epoch", "accuracy", {{"train", {}, r.train_acc}, {"test", r.test_epoch, r.test_acc}}};
    for (std::size_t e = 0; e < r.train_acc.size(); ++e) p.series[0].x.push_back(static_cast<double>(e));
    panels.push_back(std::move(p));
  }
  const std::string plot = write_plot(out_dir + "/overfit_compare", panels, svg);

  std::printf("%-18s %10s %10s %8s %10s %8s\n", "run", "train acc", "test acc", "gap", "best test", "seconds");
  for (const auto& r : runs) {
    double best = 0;
    for (double a : r.test_acc) best = std::max(best, a);
    std::printf("%-18s %10.4f %10.4f %8.4f %10.4f %8.1f\n", r.name.c_str(), r.train_acc.back(), r.test_acc.back(),
                r.train_acc.back() - r.test_acc.back(), best, r.seconds);
  }
  std::cout << "wrote " << out_dir << "/overfit_compare.csv and " << plot << "\n";
  return 0;
}
