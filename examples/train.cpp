// train: the main job. Trains a multi-layer perceptron on MNIST and reports as it goes.
//
//   build/train                                   # 784-100-10 ReLU, batch 100, SGD lr 0.1, 20 epochs
//   build/train --hidden 50 --iters 10000 --sampler replacement   # the book's chapter-5 run
//   build/train --optimizer adam --schedule cosine --weight-decay 1e-4  # chapter-6 tools
//   build/train --help
//
// Prints a progress bar per epoch and train/test accuracy after each; writes metrics.csv,
// steps.csv, a loss/accuracy plot and a checkpoint into --out. The loop itself is minidl's Trainer.

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <minidl/minidl.hpp>
#include <minidl/data/dataloader.hpp>
#include <minidl/data/mnist.hpp>
#include <minidl/io/checkpoint.hpp>
#include <minidl/optim/optimizers.hpp>
#include <minidl/train/trainer.hpp>
#include <minidl/detail/allocator.hpp>
#include <minidl/detail/blas.hpp>

#include <minidl/models/mlp.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kInputSize = 784;      // 28x28 pixels, flattened as in the book
constexpr std::size_t kNumClasses = 10;      // digits 0-9
constexpr std::size_t kEvalBatch = 1000;     // rows per forward pass when measuring accuracy
constexpr double kSgdDefaultLr = 0.1;        // --lr default for sgd (the others take the book's rates)

struct Config {
  std::vector<std::size_t> hidden{100};      // hidden layer widths
  std::size_t epochs = 20;
  std::size_t iters = 0;                     // total steps; 0 = epochs x batches per epoch
  std::size_t batch_size = 100;
  double lr = -1;                            // < 0: 0.1 for sgd, else the book's default (adam 0.001, others 0.01)
  std::string optimizer = "sgd";             // sgd | momentum | nesterov | adagrad | rmsprop | adam
  double momentum = 0.9;                     // momentum and nesterov only
  double weight_decay = 0;                   // L2 weight decay lambda (0 = off)
  double clip_norm = 0;                      // clip gradients to this global norm (0 = off)
  std::string schedule = "none";             // none | step | cosine
  std::size_t step_size = 10;                // --schedule step: epochs between decays
  double gamma = 0.1;                        // --schedule step: decay factor
  double min_lr_factor = 0;                  // --schedule cosine: final lr as a fraction of --lr
  std::size_t warmup = 0;                    // linear warm-up steps before the schedule (0 = none)
  std::uint64_t seed = 42;
  std::string sampler = "shuffle";           // shuffle | replacement | sequential
  std::string activation = "relu";
  std::string init = "he";
  double weight_init_std = 0.01;             // used by --init std
  std::string data_dir = "data/mnist";
  std::string out_dir = "runs/mnist_mlp";
  int threads = 0;  // OpenBLAS threads; 0: one per idle core (blas::apply_threads)
  std::size_t train_limit = 0;               // use only the first N training images (0 = all)
  std::size_t test_limit = 0;
  double min_test_accuracy = -1;             // exit with status 3 if the final test accuracy is lower
  bool svg = false;                          // write the plot as SVG even when gnuplot is available
};

Sampling parse_sampler(const std::string& s) {
  if (s == "shuffle") return Sampling::shuffle;
  if (s == "replacement") return Sampling::with_replacement;
  if (s == "sequential") return Sampling::sequential;
  throw std::invalid_argument("--sampler must be shuffle, replacement or sequential, got '" + s + "'");
}

// The learning-rate schedule in steps: warm-up, then step decay or cosine annealing.
std::optional<Schedule> make_schedule(const Config& cfg, std::size_t total_steps, std::size_t per_epoch) {
  if (cfg.schedule != "none" && cfg.schedule != "step" && cfg.schedule != "cosine")
    throw std::invalid_argument("--schedule must be none, step or cosine, got '" + cfg.schedule + "'");
  if (cfg.schedule == "none" && cfg.warmup == 0) return std::nullopt;
  if (cfg.warmup >= total_steps)
    throw std::invalid_argument("--warmup " + std::to_string(cfg.warmup) + " must be less than the " +
                                std::to_string(total_steps) + " training steps");
  const std::size_t rest = total_steps - cfg.warmup;
  Schedule main = cfg.schedule == "step"     ? step_lr(cfg.step_size * per_epoch, cfg.gamma)
                  : cfg.schedule == "cosine" ? cosine_lr(rest, cfg.min_lr_factor)
                                             : constant_lr();
  return cfg.warmup ? then(warmup_lr(cfg.warmup), cfg.warmup, main) : main;
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
  const blas::ThreadChoice threads = blas::apply_threads(cfg.threads);
  if (!threads.note.empty()) std::cerr << threads.note << "\n";
  const auto wall_start = std::chrono::steady_clock::now();

  MnistData mnist = load_mnist(cfg.data_dir);
  auto train_set = ByteImageDataset<float>(first_items(mnist.train, cfg.train_limit));
  auto test_set = ByteImageDataset<float>(first_items(mnist.test, cfg.test_limit));

  TrainerOptions opt;
  opt.epochs = cfg.epochs;
  opt.max_steps = cfg.iters;
  opt.loader.batch_size = cfg.batch_size;
  opt.loader.sampling = parse_sampler(cfg.sampler);
  opt.loader.seed = cfg.seed;
  opt.eval_batch = kEvalBatch;
  opt.metrics_csv = cfg.out_dir + "/metrics.csv";
  opt.steps_csv = cfg.out_dir + "/steps.csv";
  opt.plot_stem = cfg.out_dir + "/curves";
  opt.svg = cfg.svg;
  // Batch counts as the Trainer's loader will see them, for the banner and the schedule.
  const std::size_t per_epoch = DataLoader<float>(train_set, opt.loader).num_batches();
  const std::size_t total_steps = cfg.iters ? cfg.iters : cfg.epochs * per_epoch;
  const std::size_t epochs = (total_steps + per_epoch - 1) / per_epoch;
  opt.schedule = make_schedule(cfg, total_steps, per_epoch);

  Generator gen(cfg.seed);
  std::vector<std::size_t> sizes{kInputSize};
  sizes.insert(sizes.end(), cfg.hidden.begin(), cfg.hidden.end());
  sizes.push_back(kNumClasses);
  models::MLP<float> model(sizes, gen, parse_activation(cfg.activation), parse_init(cfg.init), cfg.weight_init_std);
  const double lr = cfg.lr >= 0 ? cfg.lr : cfg.optimizer == "sgd" ? kSgdDefaultLr : default_lr(cfg.optimizer);
  std::unique_ptr<Optimizer<float>> optimizer = make_optimizer<float>(cfg.optimizer, model.parameters(), lr, cfg.momentum);
  optimizer->set_weight_decay(cfg.weight_decay);
  optimizer->set_clip_norm(cfg.clip_norm);

  std::ostringstream extras;  // only what differs from plain SGD, so the default banner is unchanged
  if (cfg.optimizer == "momentum" || cfg.optimizer == "nesterov") extras << ", momentum " << cfg.momentum;
  if (cfg.weight_decay > 0) extras << ", weight decay " << cfg.weight_decay;
  if (cfg.clip_norm > 0) extras << ", clip norm " << cfg.clip_norm;
  if (opt.schedule) extras << ", schedule " << opt.schedule->describe();
  std::cout << "minidl train: " << model.describe() << " (" << model.num_parameters() << " parameters), "
            << train_set.size() << " train / " << test_set.size() << " test images\n"
            << "  batch " << cfg.batch_size << ", " << (cfg.optimizer == "sgd" ? "SGD" : cfg.optimizer) << " lr " << lr
            << extras.str() << ", " << cfg.sampler << " sampling, " << total_steps << " steps (" << epochs
            << " epochs of " << per_epoch << "), seed " << cfg.seed << ", init " << cfg.init << ", "
            << threads.label() << "\n";

  make_dirs(cfg.out_dir);
  Trainer<float> trainer(model, *optimizer, train_set, &test_set, opt);
  trainer.on_epoch = [&](const EpochStats&) { save_checkpoint(model, cfg.out_dir + "/model.ckpt"); };
  try {
    trainer.fit();
  } catch (const TrainingDiverged& e) {
    throw std::runtime_error(std::string(e.what()) + "; try a smaller --lr");
  }
  const TrainHistory& h = trainer.history();
  const double test_acc = h.epochs.empty() ? 0 : h.epochs.back().test_acc;
  const double train_acc = h.epochs.empty() ? 0 : h.epochs.back().train_acc;

  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::cout << "wrote " << cfg.out_dir << "/metrics.csv, " << cfg.out_dir << "/steps.csv, " << h.plot_path << ", "
            << cfg.out_dir << "/model.ckpt\n";
  std::cout << std::fixed << std::setprecision(2) << "final: test accuracy " << 100 * test_acc << "% (train "
            << 100 * train_acc << "%) after " << h.steps() << " steps, wall time " << std::setprecision(1) << wall
            << " s" << std::endl;
  if (cfg.min_test_accuracy >= 0 && test_acc < cfg.min_test_accuracy) {
    std::cerr << "train: test accuracy " << test_acc << " is below the required " << cfg.min_test_accuracy << "\n";
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  keep_large_buffers_in_heap();  // reuse step buffers instead of page-faulting fresh ones in
  Config cfg;
  CLI::App app{"Train a multi-layer perceptron on MNIST with minidl"};
  app.set_version_flag("--version", minidl::version_banner("train"));
  app.add_option("--hidden", cfg.hidden, "hidden layer widths, e.g. --hidden 100 or --hidden 512 512")
      ->capture_default_str();
  app.add_option("--epochs", cfg.epochs, "passes over the training set")->capture_default_str();
  app.add_option("--iters", cfg.iters, "total training steps instead of --epochs (the book uses 10000)");
  app.add_option("--batch-size", cfg.batch_size, "mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", cfg.lr, "learning rate (default 0.1 for sgd, the book's rate for the others: adam "
                                 "0.001, else 0.01)")->check(CLI::NonNegativeNumber);
  app.add_option("--optimizer", cfg.optimizer, "sgd, momentum, nesterov, adagrad, rmsprop or adam")
      ->capture_default_str()->check(CLI::IsMember(optimizer_names()));
  app.add_option("--momentum", cfg.momentum, "momentum of --optimizer momentum / nesterov")->capture_default_str();
  app.add_option("--weight-decay", cfg.weight_decay, "L2 weight decay lambda: the update uses grad + lambda*W")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--clip-norm", cfg.clip_norm, "clip gradients to this global L2 norm (0 = off)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--schedule", cfg.schedule, "learning-rate schedule: none, step (x --gamma every --step-size "
                                             "epochs) or cosine (to --min-lr-factor x lr at the end)")
      ->capture_default_str()->check(CLI::IsMember({"none", "step", "cosine"}));
  app.add_option("--step-size", cfg.step_size, "epochs between decays of --schedule step")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--gamma", cfg.gamma, "decay factor of --schedule step")->capture_default_str();
  app.add_option("--min-lr-factor", cfg.min_lr_factor, "final lr of --schedule cosine, as a fraction of --lr")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--warmup", cfg.warmup, "linear learning-rate warm-up over this many steps first")->capture_default_str();
  app.add_option("--seed", cfg.seed, "seed for initialisation and sampling (same seed, same run)")->capture_default_str();
  app.add_option("--sampler", cfg.sampler, "shuffle (each image once per epoch), replacement (the book's random "
                                            "mini-batches), sequential")->capture_default_str();
  app.add_option("--activation", cfg.activation, "relu, sigmoid or tanh")->capture_default_str();
  app.add_option("--init", cfg.init, "weight init: he, xavier or std")->capture_default_str();
  app.add_option("--weight-init-std", cfg.weight_init_std, "stddev for --init std")->capture_default_str();
  app.add_option("--data", cfg.data_dir, "directory with the MNIST IDX files (plain or .gz)")->capture_default_str();
  app.add_option("--out", cfg.out_dir, "output directory for metrics, plot and checkpoint")->capture_default_str();
  app.add_option("--threads", cfg.threads, "OpenBLAS threads (0: one per idle core, measured at start; pass a number for bit-reproducible runs)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
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
