// ch6_weight_init_compare: the book's weight_init_compare.py (section 6.2) with both activations.
// A 5-layer network (four hidden layers of 100 units) trained on MNIST with SGD, once per initial
// weight scale: std 0.01, Xavier (std √(1/n)) and He (std √(2/n)), for sigmoid and for ReLU.
//
//   build/ch6_weight_init_compare --out runs/ch6_weight_init
//
// Writes weight_init_compare.csv (iteration, activation, init, loss) and a loss plot into --out,
// and prints the final smoothed loss and test accuracy of each run.

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

constexpr std::size_t kBatchSize = 128;      // the book's batch_size
constexpr std::size_t kIterations = 2000;    // the book's max_iterations
constexpr double kLearningRate = 0.01;       // the book's SGD(lr=0.01)
constexpr std::size_t kSmoothWindow = 20;    // iterations averaged per plotted loss point
const std::vector<std::size_t> kHidden{100, 100, 100, 100};  // the book's hidden_size_list

struct Run {
  std::string activation, init;
  std::vector<double> loss;  // one per iteration
  double test_accuracy = 0;
  double seconds = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 6: std 0.01 vs Xavier vs He initial weights, sigmoid and ReLU"};
  app.set_version_flag("--version", minidl::version_banner("ch6_weight_init_compare"));
  std::string data_dir = "data/mnist", out_dir = "runs/ch6_weight_init";
  std::size_t iterations = kIterations;
  std::uint64_t seed = 1;
  bool svg = false;
  app.add_option("--data", data_dir, "MNIST directory");
  app.add_option("--out", out_dir, "output directory for the CSV and the plot");
  app.add_option("--iters", iterations, "SGD steps per run");
  app.add_option("--seed", seed, "seed for weights and batches");
  app.add_flag("--svg", svg, "write an SVG plot even when gnuplot is available");
  CLI11_PARSE(app, argc, argv);

  MnistData mnist = load_mnist(data_dir);
  const ByteImageDataset<float> train = mnist.dataset<float>(Split::train);
  const Var x_test(mnist.x<float>(Split::test));
  const std::vector<std::size_t> t_test = mnist.labels(Split::test);
  std::filesystem::create_directories(out_dir);

  std::vector<Run> runs;
  for (Activation act : {Activation::Sigmoid, Activation::ReLU}) {
    for (Init init : {Init::Std, Init::Xavier, Init::He}) {
      Run run;
      run.activation = act == Activation::ReLU ? "relu" : "sigmoid";
      run.init = init == Init::Std ? "std=0.01" : init_name(init);
      MultiLayerNetConfig cfg;
      cfg.hidden_sizes = kHidden;
      cfg.activation = act;
      cfg.init = init;
      cfg.weight_init_std = 0.01;
      Generator gen(seed);
      MultiLayerNet<float> net(cfg, gen);
      SGD<float> opt(net.parameters(), kLearningRate);
      // The book samples each batch with np.random.choice: with replacement.
      DataLoader<float> loader(train, {kBatchSize, Sampling::with_replacement, false, seed, iterations});
      loader.start_epoch();
      const auto start = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < iterations; ++i) {
        const Batch<float>& b = loader.batch(i);
        opt.zero_grad();
        const Var loss = net.loss(b.input, b.labels);
        loss.backward();
        opt.step();
        run.loss.push_back(loss.item());
      }
      run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      run.test_accuracy = net.accuracy(x_test, t_test);
      runs.push_back(std::move(run));
    }
  }

  std::ofstream csv(out_dir + "/weight_init_compare.csv");
  csv << "iteration,activation,init,loss\n";
  for (const auto& r : runs)
    for (std::size_t i = 0; i < r.loss.size(); ++i) csv << i << ',' << r.activation << ',' << r.init << ',' << r.loss[i] << '\n';

  std::vector<PlotPanel> panels;
  for (const char* act : {"sigmoid", "relu"}) {
    PlotPanel p{std::string("loss, ") + act + " (mean of " + std::to_string(kSmoothWindow) + " steps)", "iteration",
                "training loss", {}};
    for (const auto& r : runs) {
      if (r.activation != act) continue;
      PlotSeries s{r.init, {}, {}};
      for (std::size_t i = 0; i + kSmoothWindow <= r.loss.size(); i += kSmoothWindow) {
        double m = 0;
        for (std::size_t k = 0; k < kSmoothWindow; ++k) m += r.loss[i + k];
        s.x.push_back(static_cast<double>(i + kSmoothWindow));
        s.y.push_back(m / kSmoothWindow);
      }
      p.series.push_back(std::move(s));
    }
    panels.push_back(std::move(p));
  }
  const std::string plot = write_plot(out_dir + "/weight_init_compare", panels, svg);

  std::printf("%-8s %-9s %12s %12s %10s\n", "act", "init", "loss(last100)", "test acc", "seconds");
  for (const auto& r : runs) {
    double m = 0;
    const std::size_t n = std::min<std::size_t>(100, r.loss.size());
    for (std::size_t i = r.loss.size() - n; i < r.loss.size(); ++i) m += r.loss[i];
    std::printf("%-8s %-9s %12.4f %12.4f %10.1f\n", r.activation.c_str(), r.init.c_str(), m / n, r.test_accuracy, r.seconds);
  }
  std::cout << "wrote " << out_dir << "/weight_init_compare.csv and " << plot << "\n";
  return 0;
}
