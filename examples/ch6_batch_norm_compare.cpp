// ch6_batch_norm_compare: the book's batch_norm_test.py (section 6.3). A 6-layer network (five
// hidden layers of 100 ReLU units) trained on only 1000 MNIST images, with and without batch
// norm, for 16 initial weight scales std = 10^0 ... 10^-4 (np.logspace(0, -4, 16)).
//
//   build/ch6_batch_norm_compare --out runs/ch6_batch_norm
//
// Writes batch_norm_compare.csv (scale, batchnorm, epoch, train_acc) and a plot into --out: a
// summary panel (final training accuracy against the weight scale) and the learning curves for
// four of the scales. Prints the final accuracy of each run.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <minidl/minidl.hpp>

#include <minidl/models/multi_layer_net.hpp>

using namespace minidl;
using minidl::models::MultiLayerNet;
using minidl::models::MultiLayerNetConfig;

namespace {

constexpr std::size_t kTrainSize = 1000;     // the book's x_train[:1000]
constexpr std::size_t kBatchSize = 100;      // the book's batch_size
constexpr std::size_t kEpochs = 20;          // the book's max_epochs
constexpr double kLearningRate = 0.01;       // the book's SGD lr
constexpr std::size_t kNumScales = 16;       // np.logspace(0, -4, num=16)
const std::vector<std::size_t> kHidden{100, 100, 100, 100, 100};  // the book's hidden_size_list
const std::vector<std::size_t> kCurveScales{0, 5, 10, 15};         // scales whose curves are plotted

// Training accuracy per epoch (epoch 0 = before training), as the book records it.
std::vector<double> train_run(double scale, bool batchnorm, const ByteImageDataset<float>& train, const Var& x_all,
                              const std::vector<std::size_t>& t_all, std::uint64_t seed, std::size_t epochs,
                              int* diverged_at) {
  *diverged_at = 0;
  MultiLayerNetConfig cfg;
  cfg.hidden_sizes = kHidden;
  cfg.activation = Activation::ReLU;
  cfg.init = Init::Std;
  cfg.weight_init_std = scale;
  cfg.use_batchnorm = batchnorm;
  Generator gen(seed);
  MultiLayerNet<float> net(cfg, gen);
  SGD<float> opt(net.parameters(), kLearningRate);
  DataLoader<float> loader(train, {kBatchSize, Sampling::with_replacement, false, seed});
  std::vector<double> acc{net.accuracy(x_all, t_all)};
  for (std::size_t e = 0; e < epochs; ++e) {
    try {
      for (const auto& b : loader) {  // kTrainSize / kBatchSize = 10 steps an epoch
        opt.zero_grad();
        net.loss(b.input, b.labels).backward();
        opt.step();
      }
    } catch (const std::domain_error&) {
      // The loss overflowed to NaN/inf (large initial weights without batch norm): numpy would
      // carry on with NaN weights at chance accuracy; we stop and keep the last accuracy.
      *diverged_at = static_cast<int>(e + 1);
      acc.resize(epochs + 1, acc.back());
      return acc;
    }
    acc.push_back(net.accuracy(x_all, t_all));
  }
  return acc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 6: training with and without batch norm over 16 weight scales"};
  app.set_version_flag("--version", minidl::version_banner("ch6_batch_norm_compare"));
  std::string data_dir = "data/mnist", out_dir = "runs/ch6_batch_norm";
  std::size_t epochs = kEpochs;
  std::uint64_t seed = 1;
  bool svg = false;
  app.add_option("--data", data_dir, "MNIST directory");
  app.add_option("--out", out_dir, "output directory for the CSV and the plot");
  app.add_option("--epochs", epochs, "epochs per run (10 steps of 100 each)");
  app.add_option("--seed", seed, "seed for weights and batches");
  app.add_flag("--svg", svg, "write an SVG plot even when gnuplot is available");
  CLI11_PARSE(app, argc, argv);

  MnistData mnist = load_mnist(data_dir);
  const auto small = first_items(mnist.train, kTrainSize);
  const ByteImageDataset<float> train(small);
  const Var x_all(images_tensor<float>(*small));
  const std::vector<std::size_t> t_all = label_indices(*small);
  std::filesystem::create_directories(out_dir);

  const auto start = std::chrono::steady_clock::now();
  std::vector<double> scales;
  std::vector<std::vector<double>> with_bn, without_bn;
  std::vector<int> div_bn(kNumScales), div_plain(kNumScales);  // epoch the loss went NaN (0 = never)
  for (std::size_t i = 0; i < kNumScales; ++i) {
    const double scale = std::pow(10.0, -4.0 * static_cast<double>(i) / (kNumScales - 1));
    scales.push_back(scale);
    with_bn.push_back(train_run(scale, true, train, x_all, t_all, seed, epochs, &div_bn[i]));
    without_bn.push_back(train_run(scale, false, train, x_all, t_all, seed, epochs, &div_plain[i]));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::ofstream csv(out_dir + "/batch_norm_compare.csv");
  csv << "scale,batchnorm,epoch,train_acc\n";
  for (std::size_t i = 0; i < scales.size(); ++i)
    for (std::size_t e = 0; e <= epochs; ++e) {
      csv << scales[i] << ",1," << e << ',' << with_bn[i][e] << '\n';
      csv << scales[i] << ",0," << e << ',' << without_bn[i][e] << '\n';
    }

  std::vector<PlotPanel> panels;
  PlotPanel summary{"final training accuracy", "log10(weight init std)", "accuracy", {{"batch norm", {}, {}}, {"plain", {}, {}}}};
  for (std::size_t i = 0; i < scales.size(); ++i) {
    summary.series[0].x.push_back(std::log10(scales[i]));
    summary.series[0].y.push_back(with_bn[i].back());
    summary.series[1].x.push_back(std::log10(scales[i]));
    summary.series[1].y.push_back(without_bn[i].back());
  }
  panels.push_back(summary);
  for (std::size_t i : kCurveScales) {
    char title[64];
    std::snprintf(title, sizeof title, "std = %.3g", scales[i]);
    PlotPanel p{title, "epoch", "training accuracy", {{"batch norm", {}, with_bn[i]}, {"plain", {}, without_bn[i]}}};
    for (auto& s : p.series)
      for (std::size_t e = 0; e < s.y.size(); ++e) s.x.push_back(static_cast<double>(e));
    panels.push_back(std::move(p));
  }
  const std::string plot = write_plot(out_dir + "/batch_norm_compare", panels, svg);

  std::printf("%10s %14s %14s\n", "std", "acc with BN", "acc without");
  for (std::size_t i = 0; i < scales.size(); ++i) {
    std::printf("%10.3g %14.3f %14.3f", scales[i], with_bn[i].back(), without_bn[i].back());
    if (div_bn[i]) std::printf("  (BN run: loss NaN in epoch %d)", div_bn[i]);
    if (div_plain[i]) std::printf("  (plain run: loss NaN in epoch %d)", div_plain[i]);
    std::printf("\n");
  }
  std::printf("32 runs of %zu steps in %.1f s\n", epochs * (kTrainSize / kBatchSize), seconds);
  std::cout << "wrote " << out_dir << "/batch_norm_compare.csv and " << plot << "\n";
  return 0;
}
