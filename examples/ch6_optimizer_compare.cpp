// ch6_optimizer_compare: the book's optimizer comparison on MNIST (chapter 6.1.8,
// ch06/optimizer_compare_mnist.py). A 5-layer ReLU network (four hidden layers of 100 units, He
// init) is trained from the same initial weights on the same random mini-batches of 128 images by
// SGD, Momentum, Nesterov, AdaGrad, RMSprop and Adam, each with the book's learning rate.
//
//   build/ch6_optimizer_compare                  # 2000 steps each, as in the book
//   build/ch6_optimizer_compare --iters 500 --out runs/quick
//
// Prints the losses every --iters/10 steps and, at the end, each optimizer's mean loss over the
// last 100 steps and its test accuracy; writes losses.csv (step, one loss column per optimizer)
// and a plot of the loss curves (moving average over 11 steps, like the book's smooth_curve, capped
// at 1 like its ylim).

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <minidl/minidl.hpp>
#include <minidl/optim/optimizers.hpp>
#include <minidl/train/trainer.hpp>
#include <minidl/detail/blas.hpp>

#include <minidl/models/mlp.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kBatchSize = 128;                     // the book's batch_size
constexpr std::size_t kDefaultIters = 2000;                 // the book's max_iterations
const std::vector<std::size_t> kSizes{784, 100, 100, 100, 100, 10};  // MultiLayerNet(784, [100]*4, 10)
constexpr std::size_t kSmooth = 11;                         // moving-average window of the plot
constexpr std::size_t kTail = 100;                          // final loss = mean of the last kTail steps
constexpr double kPlotMax = 1.0;                            // plotted losses capped here (the book's ylim(0, 1)):
                                                            // RMSprop's second step reaches ~300 and flattens the rest

struct Entry {
  std::string name;   // optimizer name for make_optimizer
  double lr;          // the book's learning rate for it
};
// The book compares SGD, Momentum, AdaGrad and Adam (RMSprop commented out); Nesterov and RMSprop
// are added here with the same rates as in common/optimizer.py.
const std::vector<Entry> kOptimizers{{"sgd", 0.01},     {"momentum", 0.01}, {"nesterov", 0.01},
                                     {"adagrad", 0.01}, {"rmsprop", 0.01},  {"adam", 0.001}};

// Centered moving average (shorter windows at the ends).
std::vector<double> smooth(const std::vector<double>& y, std::size_t window) {
  std::vector<double> out(y.size());
  const std::size_t half = window / 2;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const std::size_t lo = i >= half ? i - half : 0, hi = std::min(y.size(), i + half + 1);
    double s = 0;
    for (std::size_t k = lo; k < hi; ++k) s += y[k];
    out[i] = s / static_cast<double>(hi - lo);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t iters = kDefaultIters;
  std::uint64_t seed = 1;
  std::string data_dir = "data/mnist", out_dir = "runs/ch6_optimizer_compare";
  bool svg = false;
  CLI::App app{"Compare SGD, Momentum, Nesterov, AdaGrad, RMSprop and Adam on MNIST (book chapter 6)"};
  app.set_version_flag("--version", minidl::version_banner("ch6_optimizer_compare"));
  app.add_option("--iters", iters, "steps per optimizer")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "seed of the initial weights and of the mini-batches")->capture_default_str();
  app.add_option("--data", data_dir, "MNIST directory")->capture_default_str();
  app.add_option("--out", out_dir, "output directory")->capture_default_str();
  app.add_flag("--svg", svg, "write the plot as SVG even if gnuplot is installed");
  CLI11_PARSE(app, argc, argv);

  try {
    blas::set_threads(1);
    MnistData mnist = load_mnist(data_dir);
    ByteImageDataset<float> train(mnist.train), test(mnist.test);
    ::mkdir(out_dir.c_str(), 0755);

    TrainerOptions opt;
    opt.max_steps = iters;
    opt.loader.batch_size = kBatchSize;
    opt.loader.sampling = Sampling::with_replacement;  // np.random.choice(train_size, batch_size)
    opt.loader.seed = seed;                            // same batches for every optimizer
    opt.evaluate = false;

    std::vector<std::vector<double>> losses;
    std::vector<double> test_acc, seconds;
    for (const auto& e : kOptimizers) {
      Generator gen(seed);  // same initial weights for every optimizer
      models::MLP<float> model(kSizes, gen);
      auto optimizer = make_optimizer<float>(e.name, model.parameters(), e.lr);
      Trainer<float> trainer(model, *optimizer, train, nullptr, opt);
      const TrainHistory& h = trainer.fit();
      losses.push_back(h.loss);
      seconds.push_back(h.seconds);
      test_acc.push_back(evaluate_accuracy(model, test));
      std::cout << e.name << " (lr " << e.lr << "): " << std::fixed << std::setprecision(1) << h.seconds << " s"
                << std::defaultfloat << std::endl;
    }

    // The book's progress printout, after the fact: every iters/10 steps, one loss per optimizer.
    const std::size_t every = std::max<std::size_t>(iters / 10, 1);
    std::cout << "\n" << std::setw(6) << "step";
    for (const auto& e : kOptimizers) std::cout << std::setw(10) << e.name;
    std::cout << "\n" << std::fixed << std::setprecision(4);
    for (std::size_t s = 0; s < iters; s += every) {
      std::cout << std::setw(6) << s;
      for (const auto& l : losses) std::cout << std::setw(10) << l[s];
      std::cout << "\n";
    }

    std::ofstream csv(out_dir + "/losses.csv");
    csv << "step";
    for (const auto& e : kOptimizers) csv << "," << e.name;
    csv << "\n";
    for (std::size_t s = 0; s < iters; ++s) {
      csv << s + 1;
      for (const auto& l : losses) csv << "," << l[s];
      csv << "\n";
    }

    PlotPanel panel{"MNIST, 5-layer ReLU MLP, batch 128 (loss: moving average of 11, capped at 1)", "iterations",
                    "loss", {}};
    for (std::size_t k = 0; k < kOptimizers.size(); ++k) {
      PlotSeries series{kOptimizers[k].name, {}, smooth(losses[k], kSmooth)};
      for (double& y : series.y) y = std::min(y, kPlotMax);
      for (std::size_t s = 0; s < iters; ++s) series.x.push_back(static_cast<double>(s + 1));
      panel.series.push_back(std::move(series));
    }
    const std::string plot = write_plot(out_dir + "/losses", {panel}, svg);

    const std::size_t tail = std::min(kTail, iters);
    std::cout << "\nfinal (mean loss over the last " << tail << " steps, test accuracy):\n";
    for (std::size_t k = 0; k < kOptimizers.size(); ++k) {
      double mean = 0;
      for (std::size_t s = iters - tail; s < iters; ++s) mean += losses[k][s];
      mean /= static_cast<double>(tail);
      std::cout << "  " << std::left << std::setw(9) << kOptimizers[k].name << std::right << " lr " << std::setw(6)
                << std::setprecision(3) << kOptimizers[k].lr << "  loss " << std::setprecision(4) << mean
                << "  test acc " << std::setprecision(2) << 100 * test_acc[k] << "%  (" << std::setprecision(1)
                << seconds[k] << " s)\n";
    }
    std::cout << "wrote " << out_dir << "/losses.csv, " << plot << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "ch6_optimizer_compare: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
