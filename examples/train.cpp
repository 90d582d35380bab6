// train: the main job. Trains one of the book's networks on MNIST through minidl's Trainer and
// reports as it goes.
//
//   build/train                                   # MLP 784-100-10 ReLU, batch 100, SGD lr 0.1, 20 epochs
//   build/train --model simple                    # SimpleConvNet (chapter 7), Adam lr 0.001
//   build/train --model deep --val-split 5000 --keep best   # DeepConvNet (chapter 8), best epoch kept
//   build/train --model multilayer --hidden 100 100 --batchnorm --dropout 0.2   # chapter 6's net
//   build/train --hidden 50 --iters 10000 --sampler replacement   # the book's chapter-5 run
//   build/train --resume runs/mnist_mlp --epochs 30              # carry on where a run stopped
//   build/train --help
//
// Prints a progress bar per epoch and train/validation/test accuracy after each; writes
// metrics.csv, steps.csv, a loss/accuracy plot and model.ckpt (plus best.ckpt with --keep best)
// into --out. Ctrl-C (or SIGTERM) finishes the current step, saves everything and says how to
// resume; a second Ctrl-C quits at once.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include <minidl/data/mnist.hpp>
#include <minidl/data/subset.hpp>
#include <minidl/detail/blas.hpp>
#include <minidl/io/checkpoint.hpp>
#include <minidl/minidl.hpp>
#include <minidl/optim/factory.hpp>
#include <minidl/version.hpp>

#include <minidl/models/model_spec.hpp>

#include "program_common.hpp"

using namespace minidl;
using namespace minidl::program;

namespace {

constexpr std::size_t kInputSize = 784;          // 28x28 pixels, flattened for the dense models
constexpr std::size_t kNumClasses = 10;          // digits 0-9
constexpr std::size_t kDenseEvalBatch = 1000;    // rows per forward pass when measuring the dense models
constexpr std::size_t kConvEvalBatch = 100;      // ... the CNNs: their column buffers grow with the batch
                                                 // (DeepConvNet's conv2 needs 144 x 784 floats per image)
constexpr std::size_t kConvTrainEvalLimit = 10000;  // CNN train accuracy over the first 10k images (the
                                                    // book measures a sample too; 60k would double
                                                    // DeepConvNet's evaluation time)

// Everything that defines a run. Saved into the checkpoint so --resume needs no other flag.
struct Config {
  std::string model = "mlp";                 // mlp | multilayer | simple | deep
  std::vector<std::size_t> hidden{100};      // hidden widths of mlp / multilayer
  std::string activation = "relu";           // mlp / multilayer
  std::string init = "he";                   // mlp / multilayer: he, xavier or std
  double weight_init_std = 0.01;             // --init std
  bool batchnorm = false;                    // multilayer: batch norm after each hidden layer
  double dropout = 0;                        // multilayer: dropout ratio after each hidden layer (0 = none)
  std::size_t epochs = 20;
  std::size_t iters = 0;                     // total steps; 0 = epochs x batches per epoch
  std::size_t batch_size = 100;
  std::string optimizer;                     // empty: sgd for the dense models, adam for the CNNs (the book's)
  double lr = -1;                            // < 0: default_lr(optimizer)
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
  std::size_t val_split = 0;                 // hold out the last N training images for validation
  std::string keep = "last";                 // last | best (also best.ckpt, by validation accuracy)
  std::string data_dir = "data/mnist";
  std::string out_dir;                       // empty: runs/mnist_<model>
  int threads = 0;                           // compute threads; 0: one per idle core
  std::size_t train_limit = 0;               // use only the first N training images (0 = all)
  std::size_t test_limit = 0;
  std::string min_test_acc;                  // "97.5%" or 0.975; empty = no requirement
  bool svg = false;                          // the plot as SVG even when gnuplot is available
  bool detect_anomaly = false;               // name the first op that makes a NaN/inf (slow; not saved)

  bool conv() const { return model == "simple" || model == "deep"; }
};

nlohmann::json config_to_json(const Config& c) {
  return {{"model", c.model},           {"hidden", c.hidden},       {"activation", c.activation},
          {"init", c.init},             {"weight_init_std", c.weight_init_std},
          {"batchnorm", c.batchnorm},   {"dropout", c.dropout},     {"epochs", c.epochs},
          {"iters", c.iters},           {"batch_size", c.batch_size}, {"optimizer", c.optimizer},
          {"lr", c.lr},                 {"momentum", c.momentum},   {"weight_decay", c.weight_decay},
          {"clip_norm", c.clip_norm},   {"schedule", c.schedule},   {"step_size", c.step_size},
          {"gamma", c.gamma},           {"min_lr_factor", c.min_lr_factor}, {"warmup", c.warmup},
          {"seed", c.seed},             {"sampler", c.sampler},     {"val_split", c.val_split},
          {"keep", c.keep},             {"data_dir", c.data_dir},   {"out_dir", c.out_dir},
          {"threads", c.threads},       {"train_limit", c.train_limit}, {"test_limit", c.test_limit},
          {"min_test_acc", c.min_test_acc}, {"svg", c.svg}};
}

Config config_from_json(const nlohmann::json& j) {
  const auto read = [&j](const char* key, auto& out) { read_setting(j, key, out); };
  Config c;
  read("model", c.model), read("hidden", c.hidden), read("activation", c.activation);
  read("init", c.init), read("weight_init_std", c.weight_init_std), read("batchnorm", c.batchnorm);
  read("dropout", c.dropout), read("epochs", c.epochs), read("iters", c.iters);
  read("batch_size", c.batch_size), read("optimizer", c.optimizer), read("lr", c.lr);
  read("momentum", c.momentum), read("weight_decay", c.weight_decay), read("clip_norm", c.clip_norm);
  read("schedule", c.schedule), read("step_size", c.step_size), read("gamma", c.gamma);
  read("min_lr_factor", c.min_lr_factor), read("warmup", c.warmup), read("seed", c.seed);
  read("sampler", c.sampler), read("val_split", c.val_split), read("keep", c.keep);
  read("data_dir", c.data_dir), read("out_dir", c.out_dir), read("threads", c.threads);
  read("train_limit", c.train_limit), read("test_limit", c.test_limit);
  read("min_test_acc", c.min_test_acc), read("svg", c.svg);
  return c;
}

// --- the run --------------------------------------------------------------------------------------

Sampling parse_sampler(const std::string& s) {
  if (s == "shuffle") return Sampling::shuffle;
  if (s == "replacement") return Sampling::with_replacement;
  return Sampling::sequential;
}

// The learning-rate schedule in steps: warm-up, then step decay or cosine annealing.
std::optional<Schedule> make_schedule(const Config& cfg, std::size_t total_steps, std::size_t per_epoch) {
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

// The network the flags describe, as a model spec (models/model_spec.hpp): the program builds it
// with make_model, and the checkpoint stores it, so load_model rebuilds the same network.
nlohmann::json model_spec(const Config& cfg) {
  if (cfg.model == "simple") return {{"kind", "simple_conv_net"}, {"config", nlohmann::json::object()}};
  if (cfg.model == "deep") return {{"kind", "deep_conv_net"}, {"config", nlohmann::json::object()}};
  if (cfg.model == "multilayer")
    return {{"kind", "multi_layer_net"},
            {"config",
             {{"input_size", kInputSize},
              {"hidden_sizes", cfg.hidden},
              {"output_size", kNumClasses},
              {"activation", cfg.activation},
              {"init", cfg.init},
              {"weight_init_std", cfg.weight_init_std},
              {"use_batchnorm", cfg.batchnorm},
              {"use_dropout", cfg.dropout > 0},
              {"dropout_ratio", cfg.dropout > 0 ? cfg.dropout : 0.5}}}};
  std::vector<std::size_t> sizes{kInputSize};
  sizes.insert(sizes.end(), cfg.hidden.begin(), cfg.hidden.end());
  sizes.push_back(kNumClasses);
  return {{"kind", "mlp"},
          {"config", {{"sizes", sizes}, {"activation", cfg.activation}, {"init", cfg.init}, {"stddev", cfg.weight_init_std}}}};
}

// Settings that apply to one kind of model only: refuse them elsewhere instead of ignoring them.
void check_model_flags(const Config& cfg, const CLI::App& app) {
  const auto given = [&](const char* flag) { return app.count(flag) > 0; };
  if (cfg.conv()) {
    for (const char* f : {"--hidden", "--activation", "--init", "--weight-init-std", "--batchnorm", "--dropout"})
      if (given(f)) throw std::invalid_argument(std::string(f) + " does not apply to --model " + cfg.model);
  }
  if (cfg.model == "mlp") {
    for (const char* f : {"--batchnorm", "--dropout"})
      if (given(f)) throw std::invalid_argument(std::string(f) + " needs --model multilayer");
  }
}

// The flags --resume may change: how far to go and how to run, never what is trained.
const std::vector<std::string> kResumeFlags{"--resume", "--epochs",       "--iters", "--threads",
                                            "--data",   "--min-test-acc", "--svg",
                                            "--detect-anomaly"};

// The saved run's settings, with the few flags --resume may change taken from the command line.
Config resumed_config(const CLI::App& app, const Config& given, const nlohmann::json& saved, const std::string& dir) {
  Config cfg = config_from_json(saved);
  cfg.out_dir = dir;  // the run lives where it was found, even if its folder was moved
  if (app.count("--epochs")) cfg.epochs = given.epochs, cfg.iters = 0;
  if (app.count("--iters")) cfg.iters = given.iters;
  if (app.count("--threads")) cfg.threads = given.threads;
  if (app.count("--data")) cfg.data_dir = given.data_dir;  // the same images, found elsewhere
  if (app.count("--min-test-acc")) cfg.min_test_acc = given.min_test_acc;
  if (app.count("--svg")) cfg.svg = given.svg;
  cfg.detect_anomaly = given.detect_anomaly;
  return cfg;
}

int run(Config cfg, const std::optional<SavedRun>& resume) {
  const blas::ThreadChoice threads = blas::apply_threads(cfg.threads);
  if (!threads.note.empty()) std::cerr << threads.note << "\n";
  const auto wall_start = std::chrono::steady_clock::now();
  const std::optional<double> min_test_acc =
      cfg.min_test_acc.empty() ? std::nullopt : std::optional<double>(parse_accuracy(cfg.min_test_acc));
  if (cfg.out_dir.empty()) cfg.out_dir = "runs/mnist_" + cfg.model;
  if (cfg.optimizer.empty()) cfg.optimizer = cfg.conv() ? "adam" : "sgd";
  check_output_folder(cfg.out_dir);  // before the data and a whole epoch of work

  MnistData mnist = load_mnist(cfg.data_dir);
  ImageFormat format;
  format.flatten = !cfg.conv();  // (1, 28, 28) images for the convolutions
  ByteImageDataset<float> all_train(first_items(mnist.train, cfg.train_limit), format);
  ByteImageDataset<float> test_set(first_items(mnist.test, cfg.test_limit), format);
  if (cfg.val_split >= all_train.size())
    throw std::invalid_argument("--val-split " + std::to_string(cfg.val_split) + " leaves no training images (there are " +
                                std::to_string(all_train.size()) + ")");
  // Validation: the LAST val_split training images, so the split does not depend on the seed.
  const std::size_t n_train = all_train.size() - cfg.val_split;
  std::vector<std::size_t> val_idx(cfg.val_split);
  for (std::size_t i = 0; i < cfg.val_split; ++i) val_idx[i] = n_train + i;
  SubsetDataset<float> train_set(all_train, first_indices(n_train));
  SubsetDataset<float> val_set(all_train, val_idx);

  TrainerOptions opt;
  opt.epochs = cfg.epochs;
  opt.max_steps = cfg.iters;
  opt.loader.batch_size = cfg.batch_size;
  opt.loader.sampling = parse_sampler(cfg.sampler);
  opt.loader.seed = cfg.seed;
  opt.eval_batch = cfg.conv() ? kConvEvalBatch : kDenseEvalBatch;
  opt.train_eval_limit = cfg.conv() ? kConvTrainEvalLimit : 0;

  Generator gen(cfg.seed);  // weights (and DeepConvNet's dropout masks): must outlive the model
  const nlohmann::json spec = model_spec(cfg);
  std::unique_ptr<Module<float>> model = models::make_model<float>(spec, gen);
  std::unique_ptr<Optimizer<float>> optimizer =
      make_optimizer<float>(cfg.optimizer, model->parameters(), cfg.lr, cfg.momentum);
  optimizer->set_weight_decay(cfg.weight_decay);
  optimizer->set_clip_norm(cfg.clip_norm);

  Trainer<float> t(*model, *optimizer, train_set, &test_set, opt);
  if (cfg.val_split) t.set_validation(&val_set);
  t.track_generator(gen);
  const std::size_t per_epoch = t.steps_per_epoch();
  const std::size_t total_steps = t.total_steps();
  t.set_schedule(make_schedule(cfg, total_steps, per_epoch));

  if (resume) {
    resume->file.restore(*model, optimizer.get());  // weights, buffers, the optimizer's moments and steps
    t.restore(resume->trainer_state);                // position, sampler, generators, history
    std::cout << "resuming " << resume->file.path() << " at step " << t.history().steps() << " of " << total_steps
              << "\n";
  }

  std::ostringstream extras;  // only what differs from the plain recipe
  if (cfg.optimizer == "momentum" || cfg.optimizer == "nesterov") extras << ", momentum " << cfg.momentum;
  if (cfg.weight_decay > 0) extras << ", weight decay " << cfg.weight_decay;
  if (cfg.clip_norm > 0) extras << ", clip norm " << cfg.clip_norm;
  if (t.options().schedule) extras << ", schedule " << t.options().schedule->describe();
  std::cout << "minidl train: " << model->describe() << " (" << model->num_parameters() << " parameters), "
            << train_set.size() << " train / " << (cfg.val_split ? std::to_string(val_set.size()) + " validation / " : "")
            << test_set.size() << " test images, OpenBLAS kernel " << blas::kernel().label() << "\n"
            << "  batch " << cfg.batch_size << ", " << cfg.optimizer << " lr " << optimizer->lr() << extras.str() << ", "
            << cfg.sampler << " sampling, " << total_steps << " steps (" << (total_steps + per_epoch - 1) / per_epoch
            << " epochs of " << per_epoch << "), seed " << cfg.seed << ", " << threads.label() << "\n";

  const auto save = [&](const std::string& path) {
    save_checkpoint(path, *model, spec, optimizer.get(), {{"program", config_to_json(cfg)}, {"trainer", t.state()}});
  };
  StandardReporters reporters(cfg.out_dir, cfg.svg, save, cfg.keep == "best" ? KeepPolicy::best : KeepPolicy::last);
  reporters.attach(t);
  try {
    // Anomaly mode scans every op's output and gradient on this thread: it names the first op that
    // produces a NaN or infinity instead of reporting only that the loss diverged.
    std::optional<DetectAnomalyGuard> anomaly;
    if (cfg.detect_anomaly) anomaly.emplace();
    t.fit();
  } catch (const TrainingDiverged& e) {
    throw std::runtime_error(std::string(e.what()) + "; try a smaller --lr");
  }
  const TrainHistory& h = t.history();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::cout << reporters.written(cfg.out_dir, h) << "\n";
  if (h.interrupted) return report_interrupted(h, per_epoch, "train", cfg.out_dir);
  if (h.epochs.empty()) {  // resumed past its end before a single epoch finished: nothing to report
    std::cout << "no epoch finished (" << h.steps() << " steps)\n";
    return 0;
  }
  // The model this run hands over: the best epoch on validation with --keep best, else the last.
  // Its test accuracy is the one reported and checked; the test set never chose it.
  const EpochStats* best = h.best();
  const EpochStats& chosen = cfg.keep == "best" && best ? *best : h.epochs.back();
  const double test_acc = chosen.metric("test_acc");
  if (best) {
    std::cout << std::fixed << std::setprecision(2) << "best on validation: epoch " << best->epoch
              << ", validation accuracy " << 100 * best->metric("val_acc") << "%, test accuracy " << 100 * best->metric("test_acc") << "%"
              << (cfg.keep == "best" ? " (saved as " + reporters.checkpoints.best_path() + ")" : "") << "\n";
  }
  std::cout << std::fixed << std::setprecision(2) << "final: test accuracy " << 100 * test_acc << "% (train "
            << 100 * chosen.metric("train_acc") << "%"
            << (&chosen == &h.epochs.back() ? "" : ", epoch " + std::to_string(chosen.epoch) + " of " +
                                                       std::to_string(h.epochs.size()))
            << ") after " << h.steps() << " steps, wall time " << std::setprecision(1) << wall << " s" << std::endl;
  if (min_test_acc && test_acc < *min_test_acc) {
    std::cerr << "train: test accuracy " << 100 * test_acc << "% is below the required " << 100 * *min_test_acc
              << "%\n";
    return kExitBelowTarget;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string resume_dir;
  CLI::App app{"Train one of the book's networks on MNIST with minidl"};
  app.set_version_flag("--version", minidl::version_banner("train"));
  app.add_option("--model", cfg.model, "mlp (784-hidden-10), multilayer (chapter 6's MultiLayerNet), simple "
                                       "(SimpleConvNet) or deep (DeepConvNet)")
      ->capture_default_str()->check(CLI::IsMember({"mlp", "multilayer", "simple", "deep"}));
  app.add_option("--hidden", cfg.hidden, "hidden layer widths of mlp / multilayer, e.g. --hidden 100 or --hidden 512 512")
      ->capture_default_str()->check(in_range<std::size_t>(1, 100000));
  app.add_option("--activation", cfg.activation, "relu, sigmoid or tanh (mlp / multilayer)")
      ->capture_default_str()->check(CLI::IsMember({"relu", "sigmoid", "tanh"}));
  app.add_option("--init", cfg.init, "weight init of mlp / multilayer: he, xavier or std")
      ->capture_default_str()->check(CLI::IsMember({"he", "xavier", "std"}));
  app.add_option("--weight-init-std", cfg.weight_init_std, "stddev for --init std")
      ->capture_default_str()->check(in_range(1e-6, 10.0));
  app.add_flag("--batchnorm", cfg.batchnorm, "multilayer: batch norm after each hidden layer");
  app.add_option("--dropout", cfg.dropout, "multilayer: dropout ratio after each hidden layer (0 = none)")
      ->capture_default_str()->check(below(0.0, 1.0));
  app.add_option("--epochs", cfg.epochs, "passes over the training set")->capture_default_str()
      ->check(in_range<std::size_t>(1, 100000));
  app.add_option("--iters", cfg.iters, "total training steps instead of --epochs (the book uses 10000)")
      ->check(in_range<std::size_t>(1, 1000000000));
  app.add_option("--batch-size", cfg.batch_size, "mini-batch size")->capture_default_str()
      ->check(in_range<std::size_t>(1, 65536));
  app.add_option("--optimizer", cfg.optimizer, "sgd, momentum, nesterov, adagrad, rmsprop or adam (default: sgd for "
                                               "mlp / multilayer, adam for the CNNs, as in the book)")
      ->check(CLI::IsMember(optimizer_names()));
  app.add_option("--lr", cfg.lr, "learning rate (default: the optimizer's, sgd 0.1, adam 0.001, else 0.01)")
      ->check(in_range(1e-9, 10.0));
  app.add_option("--momentum", cfg.momentum, "momentum of --optimizer momentum / nesterov")->capture_default_str()
      ->check(below(0.0, 1.0));
  app.add_option("--weight-decay", cfg.weight_decay, "L2 weight decay lambda: the update uses grad + lambda*W")
      ->capture_default_str()->check(in_range(0.0, 1.0));
  app.add_option("--clip-norm", cfg.clip_norm, "clip gradients to this global L2 norm (0 = off)")
      ->capture_default_str()->check(in_range(0.0, 1e6));
  app.add_option("--schedule", cfg.schedule, "learning-rate schedule: none, step (x --gamma every --step-size "
                                             "epochs) or cosine (to --min-lr-factor x lr at the end)")
      ->capture_default_str()->check(CLI::IsMember({"none", "step", "cosine"}));
  app.add_option("--step-size", cfg.step_size, "epochs between decays of --schedule step")->capture_default_str()
      ->check(in_range<std::size_t>(1, 100000));
  app.add_option("--gamma", cfg.gamma, "decay factor of --schedule step")->capture_default_str()
      ->check(in_range(0.0, 1.0));
  app.add_option("--min-lr-factor", cfg.min_lr_factor, "final lr of --schedule cosine, as a fraction of --lr")
      ->capture_default_str()->check(in_range(0.0, 1.0));
  app.add_option("--warmup", cfg.warmup, "linear learning-rate warm-up over this many steps first")
      ->capture_default_str()->check(in_range<std::size_t>(0, 1000000000));
  app.add_option("--seed", cfg.seed, "seed for initialisation, sampling and dropout (same seed, same run)")
      ->capture_default_str();
  app.add_option("--sampler", cfg.sampler, "shuffle (each image once per epoch), replacement (the book's random "
                                            "mini-batches), sequential")
      ->capture_default_str()->check(CLI::IsMember({"shuffle", "replacement", "sequential"}));
  app.add_option("--val-split", cfg.val_split, "hold out the last N training images and report validation "
                                               "accuracy every epoch")
      ->check(in_range<std::size_t>(0, 1000000));
  app.add_option("--keep", cfg.keep, "last: model.ckpt only; best: also best.ckpt, the epoch with the highest "
                                     "validation accuracy (needs --val-split)")
      ->capture_default_str()->check(CLI::IsMember({"last", "best"}));
  app.add_option("--data", cfg.data_dir, "directory with the MNIST IDX files (plain or .gz)")->capture_default_str();
  app.add_option("--out", cfg.out_dir, "output directory for metrics, plot and checkpoints (default runs/mnist_<model>)");
  app.add_option("--threads", cfg.threads, "compute threads (0: one per idle core, measured at start; pass a number "
                                           "for bit-reproducible runs)")
      ->capture_default_str()->check(in_range(0, 64));
  app.add_option("--train-limit", cfg.train_limit, "use only the first N training images")
      ->check(in_range<std::size_t>(0, 1000000000));
  app.add_option("--test-limit", cfg.test_limit, "use only the first N test images")
      ->check(in_range<std::size_t>(0, 1000000000));
  app.add_option("--min-test-acc", cfg.min_test_acc, "fail (exit 3) if the final test accuracy is below this: "
                                                     "97.5% or 0.975");
  app.add_flag("--svg", cfg.svg, "write the plot as SVG even if gnuplot is installed");
  app.add_flag("--detect-anomaly", cfg.detect_anomaly,
               "name the first op whose output or gradient is NaN/inf (slow: a debugging aid)");
  app.add_option("--resume", resume_dir, "continue the run saved in this folder (its model.ckpt); --epochs / --iters "
                                         "may extend it");
  if (const std::optional<int> code = parse_command_line(app, argc, argv, "train")) return *code;
  try {
    std::optional<SavedRun> resume;
    if (!resume_dir.empty()) {
      check_resume_flags(app, kResumeFlags);
      resume = open_run(resume_dir);
      cfg = resumed_config(app, cfg, resume->config, resume_dir);
    }
    check_model_flags(cfg, app);
    if (cfg.keep == "best" && cfg.val_split == 0)
      throw std::invalid_argument("--keep best chooses by validation accuracy: it needs --val-split N");
    if (!cfg.min_test_acc.empty()) parse_accuracy(cfg.min_test_acc);
    return run(cfg, resume);
  } catch (const std::exception& e) {
    std::cerr << "train: error: " << e.what() << "\n";
    return 1;
  }
}
