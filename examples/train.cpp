// train: the main job. Trains a multi-layer perceptron on MNIST and reports as it goes.
//
//   build/train                                   # 784-100-10 ReLU, batch 100, SGD lr 0.1, 20 epochs
//   build/train --hidden 50 --iters 10000 --sampler replacement   # the book's chapter-5 run
//   build/train --help
//
// Prints a progress bar per epoch and train/test accuracy after each; writes metrics.csv,
// steps.csv, a loss/accuracy plot and a checkpoint into --out.

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <minidl/minidl.hpp>
#include <minidl/data/dataloader.hpp>
#include <minidl/data/mnist.hpp>
#include <minidl/io/checkpoint.hpp>
#include <minidl/optim/optimizer.hpp>
#include <minidl/train/metrics.hpp>
#include <minidl/train/plot.hpp>
#include <minidl/train/progress.hpp>

#include "models/mlp.hpp"

using namespace minidl;

namespace {

constexpr std::size_t kInputSize = 784;      // 28x28 pixels, flattened as in the book
constexpr std::size_t kNumClasses = 10;      // digits 0-9
constexpr std::size_t kEvalBatch = 1000;     // rows per forward pass when measuring accuracy

struct Config {
  std::vector<std::size_t> hidden{100};      // hidden layer widths
  std::size_t epochs = 20;
  std::size_t iters = 0;                     // total steps; 0 = epochs x batches per epoch
  std::size_t batch_size = 100;
  double lr = 0.1;
  std::uint64_t seed = 42;
  std::string sampler = "shuffle";           // shuffle | replacement | sequential
  std::string activation = "relu";
  std::string init = "he";
  double weight_init_std = 0.01;             // used by --init std
  std::string data_dir = "data/mnist";
  std::string out_dir = "runs/mnist_mlp";
  int threads = 1;                           // OpenBLAS threads (1 is fastest for these sizes here)
  std::size_t train_limit = 0;               // use only the first N training images (0 = all)
  std::size_t test_limit = 0;
  double min_test_accuracy = -1;             // exit with status 3 if the final test accuracy is lower
  bool svg = false;                          // write the plot as SVG even when gnuplot is available
};

// The first n items of a set (for quick runs and the end-to-end test).
std::shared_ptr<const ByteImageSet> head(const std::shared_ptr<const ByteImageSet>& set, std::size_t n) {
  if (n == 0 || n >= set->size()) return set;
  auto out = std::make_shared<ByteImageSet>();
  out->item_shape = set->item_shape;
  out->num_classes = set->num_classes;
  out->labels.assign(set->labels.begin(), set->labels.begin() + static_cast<std::ptrdiff_t>(n));
  out->pixels.assign(set->pixels.begin(), set->pixels.begin() + static_cast<std::ptrdiff_t>(n * set->item_numel()));
  return out;
}

// Accuracy over a whole dataset, in large batches and without recording a graph.
double evaluate(Module<float>& model, const Dataset<float>& data) {
  NoGradGuard no_grad;
  DataLoader<float> loader(data, {kEvalBatch, Sampling::sequential});
  std::size_t correct = 0;
  for (const auto& batch : loader) {
    const Variable<float> x(batch.features);
    correct += count_correct(model(x).data(), batch.labels);
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

Sampling parse_sampler(const std::string& s) {
  if (s == "shuffle") return Sampling::shuffle;
  if (s == "replacement") return Sampling::with_replacement;
  if (s == "sequential") return Sampling::sequential;
  throw std::invalid_argument("--sampler must be shuffle, replacement or sequential, got '" + s + "'");
}

void make_dirs(const std::string& path) {
  std::string partial;
  std::stringstream ss(path);
  std::string part;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += part + "/";
    ::mkdir(partial.c_str(), 0755);
  }
}

int run(const Config& cfg) {
  blas::set_threads(cfg.threads);
  const auto wall_start = std::chrono::steady_clock::now();

  MnistData mnist = load_mnist(cfg.data_dir);
  auto train_set = ByteImageDataset<float>(head(mnist.train, cfg.train_limit));
  auto test_set = ByteImageDataset<float>(head(mnist.test, cfg.test_limit));

  LoaderOptions lo;
  lo.batch_size = cfg.batch_size;
  lo.sampling = parse_sampler(cfg.sampler);
  lo.seed = cfg.seed;
  DataLoader<float> loader(train_set, lo);
  const std::size_t per_epoch = loader.num_batches();
  const std::size_t total_steps = cfg.iters ? cfg.iters : cfg.epochs * per_epoch;
  const std::size_t epochs = (total_steps + per_epoch - 1) / per_epoch;

  Generator gen(cfg.seed);
  std::vector<std::size_t> sizes{kInputSize};
  sizes.insert(sizes.end(), cfg.hidden.begin(), cfg.hidden.end());
  sizes.push_back(kNumClasses);
  models::MLP<float> model(sizes, gen, parse_activation(cfg.activation), parse_init(cfg.init), cfg.weight_init_std);
  SGD<float> optimizer(model.parameters(), cfg.lr);

  std::cout << "minidl train: " << model.describe() << " (" << model.num_parameters() << " parameters), "
            << train_set.size() << " train / " << test_set.size() << " test images\n"
            << "  batch " << cfg.batch_size << ", SGD lr " << cfg.lr << ", " << cfg.sampler << " sampling, "
            << total_steps << " steps (" << epochs << " epochs of " << per_epoch << "), seed " << cfg.seed
            << ", init " << cfg.init << ", " << cfg.threads << " BLAS thread(s)\n";

  make_dirs(cfg.out_dir);
  std::ofstream metrics(cfg.out_dir + "/metrics.csv");
  std::ofstream steps_csv(cfg.out_dir + "/steps.csv");
  metrics << "epoch,step,train_loss,train_acc,test_acc,elapsed_s\n";
  steps_csv << "step,epoch,loss\n";

  PlotSeries loss_curve{"mini-batch loss", {}, {}}, train_curve{"train", {}, {}}, test_curve{"test", {}, {}};
  std::size_t step = 0;
  double test_acc = 0, train_acc = 0;
  for (std::size_t epoch = 1; epoch <= epochs && step < total_steps; ++epoch) {
    const std::size_t this_epoch = std::min(per_epoch, total_steps - step);
    ProgressBar bar(this_epoch, "epoch " + std::to_string(epoch) + "/" + std::to_string(epochs), cfg.batch_size);
    double loss_sum = 0;
    std::size_t i = 0;
    loader.start_epoch();
    for (; i < this_epoch; ++i) {
      const Batch<float>& batch = loader.batch(i);
      optimizer.zero_grad();
      Variable<float> loss;
      try {
        loss = softmax_cross_entropy(model(Variable<float>(batch.features)), batch.labels);
      } catch (const std::domain_error& e) {
        throw std::runtime_error("training diverged at step " + std::to_string(step + 1) + " (epoch " +
                                 std::to_string(epoch) + "): " + e.what() + "; try a smaller --lr");
      }
      loss.backward();
      optimizer.step();
      ++step;
      const double l = loss.item();
      loss_sum += l;
      steps_csv << step << "," << epoch << "," << l << "\n";
      loss_curve.x.push_back(static_cast<double>(step));
      loss_curve.y.push_back(l);
      bar.update(i + 1, l);
    }
    bar.finish();
    train_acc = evaluate(model, train_set);
    test_acc = evaluate(model, test_set);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    std::cout << std::fixed << std::setprecision(4) << "epoch " << epoch << ": loss " << loss_sum / static_cast<double>(i)
              << "  train acc " << std::setprecision(2) << 100 * train_acc << "%  test acc " << 100 * test_acc
              << "%  (" << std::setprecision(1) << elapsed << " s)" << std::endl;
    metrics << epoch << "," << step << "," << loss_sum / static_cast<double>(i) << "," << train_acc << "," << test_acc
            << "," << elapsed << "\n";
    metrics.flush();
    train_curve.x.push_back(static_cast<double>(epoch));
    train_curve.y.push_back(train_acc);
    test_curve.x.push_back(static_cast<double>(epoch));
    test_curve.y.push_back(test_acc);
    save_checkpoint(model, cfg.out_dir + "/model.ckpt");
  }

  const std::string plot = write_plot(cfg.out_dir + "/curves",
                                      {{"Training loss", "step", "loss", {loss_curve}},
                                       {"Accuracy", "epoch", "accuracy", {train_curve, test_curve}}},
                                      cfg.svg);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::cout << "wrote " << cfg.out_dir << "/metrics.csv, " << cfg.out_dir << "/steps.csv, " << plot << ", "
            << cfg.out_dir << "/model.ckpt\n";
  std::cout << std::fixed << std::setprecision(2) << "final: test accuracy " << 100 * test_acc << "% (train "
            << 100 * train_acc << "%) after " << step << " steps, wall time " << std::setprecision(1) << wall << " s"
            << std::endl;
  if (cfg.min_test_accuracy >= 0 && test_acc < cfg.min_test_accuracy) {
    std::cerr << "train: test accuracy " << test_acc << " is below the required " << cfg.min_test_accuracy << "\n";
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"Train a multi-layer perceptron on MNIST with minidl"};
  app.add_option("--hidden", cfg.hidden, "hidden layer widths, e.g. --hidden 100 or --hidden 512 512")
      ->capture_default_str();
  app.add_option("--epochs", cfg.epochs, "passes over the training set")->capture_default_str();
  app.add_option("--iters", cfg.iters, "total training steps instead of --epochs (the book uses 10000)");
  app.add_option("--batch-size", cfg.batch_size, "mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", cfg.lr, "SGD learning rate")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--seed", cfg.seed, "seed for initialisation and sampling (same seed, same run)")->capture_default_str();
  app.add_option("--sampler", cfg.sampler, "shuffle (each image once per epoch), replacement (the book's random "
                                            "mini-batches), sequential")->capture_default_str();
  app.add_option("--activation", cfg.activation, "relu, sigmoid or tanh")->capture_default_str();
  app.add_option("--init", cfg.init, "weight init: he, xavier or std")->capture_default_str();
  app.add_option("--weight-init-std", cfg.weight_init_std, "stddev for --init std")->capture_default_str();
  app.add_option("--data", cfg.data_dir, "directory with the MNIST IDX files (plain or .gz)")->capture_default_str();
  app.add_option("--out", cfg.out_dir, "output directory for metrics, plot and checkpoint")->capture_default_str();
  app.add_option("--threads", cfg.threads, "OpenBLAS threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--train-limit", cfg.train_limit, "use only the first N training images");
  app.add_option("--test-limit", cfg.test_limit, "use only the first N test images");
  app.add_option("--min-test-acc", cfg.min_test_accuracy, "fail (exit 3) if the final test accuracy is below this");
  app.add_flag("--svg", cfg.svg, "write the plot as SVG even if gnuplot is installed");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(cfg);
  } catch (const std::exception& e) {
    std::cerr << "train: error: " << e.what() << "\n";
    return 1;
  }
}
