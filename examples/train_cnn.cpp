// train_cnn: the book's convolutional networks on MNIST (chapter 7's SimpleConvNet, chapter 8's
// DeepConvNet).
//
//   build/train_cnn                                  # SimpleConvNet, Adam lr 0.001, batch 100, 20 epochs
//   build/train_cnn --model deep --epochs 20         # DeepConvNet (dropout 0.5, He init)
//   build/train_cnn --train-limit 5000 --epochs 2    # a quick run
//
// Prints a progress bar per epoch and train/test accuracy after each; writes metrics.csv,
// steps.csv, a loss/accuracy plot and a checkpoint (after every epoch) into --out.

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <minidl/minidl.hpp>
#include <minidl/optim/factory.hpp>
#include <minidl/detail/allocator.hpp>
#include <minidl/detail/blas.hpp>

#include <minidl/models/deep_conv_net.hpp>
#include <minidl/models/simple_conv_net.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kEvalBatch = 100;        // images per forward pass when measuring accuracy: the
                                               // conv column buffer grows with the batch (DeepConvNet's
                                               // conv2 needs 144 x 784 floats per image)
constexpr std::size_t kTrainEvalLimit = 10000; // train accuracy over the first 10k images (the book
                                               // measures a sample too; the full 60k would double
                                               // the evaluation time of DeepConvNet)


struct Config {
  std::string model = "simple";                // simple | deep
  std::size_t epochs = 20;                     // the book's max_epochs
  std::size_t batch_size = 100;                // the book's mini_batch_size
  std::string optimizer = "adam";              // the book trains both networks with Adam
  double lr = -1;                              // < 0: the optimizer's book default (Adam 0.001)
  std::uint64_t seed = 42;
  std::string data_dir = "data/mnist";
  std::string out_dir;                         // default runs/mnist_<model>
  int threads = 0;  // OpenBLAS threads; 0: one per idle core (blas::apply_threads)
  std::size_t train_limit = 0;                 // use only the first N training images (0 = all)
  std::size_t test_limit = 0;                  // use only the first N test images (0 = all)
  double min_test_accuracy = -1;               // exit with status 3 if the final test accuracy is lower
  bool svg = false;                            // write the plot as SVG even when gnuplot is available
};

// Accuracy over the first `limit` items (0 = all) in eval mode (dropout off), without a graph.
double evaluate(Module<float>& model, const Dataset<float>& data, std::size_t limit = 0) {
  NoGradGuard no_grad;
  model.eval();
  DataLoader<float> loader(data, {kEvalBatch, Sampling::sequential});
  std::size_t correct = 0, seen = 0;
  for (const auto& batch : loader) {
    if (limit && seen >= limit) break;
    correct += count_correct(model(Variable<float>(batch.features)).data(), batch.labels);
    seen += batch.labels.size();
  }
  model.train();
  return seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
}

void make_dirs(const std::string& path) {
  std::string partial, part;
  std::stringstream ss(path);
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += part + "/";
    ::mkdir(partial.c_str(), 0755);
  }
}

std::shared_ptr<Sequential<float>> build(const std::string& name, Generator& gen) {
  if (name == "simple") return std::make_shared<models::SimpleConvNet<float>>(gen);
  if (name == "deep") return std::make_shared<models::DeepConvNet<float>>(gen);
  throw std::invalid_argument("--model must be simple or deep, got '" + name + "'");
}

int run(Config cfg) {
  const blas::ThreadChoice threads = blas::apply_threads(cfg.threads);
  if (!threads.note.empty()) std::cerr << threads.note << "\n";
  if (cfg.out_dir.empty()) cfg.out_dir = "runs/mnist_" + cfg.model;
  const auto wall_start = std::chrono::steady_clock::now();

  MnistData mnist = load_mnist(cfg.data_dir);
  ImageFormat format;
  format.flatten = false;  // (1, 28, 28) images for the convolutions
  ByteImageDataset<float> train_set(first_items(mnist.train, cfg.train_limit), format);
  ByteImageDataset<float> test_set(first_items(mnist.test, cfg.test_limit), format);

  LoaderOptions lo;
  lo.batch_size = cfg.batch_size;
  lo.sampling = Sampling::shuffle;
  lo.seed = cfg.seed;
  DataLoader<float> loader(train_set, lo);
  const std::size_t per_epoch = loader.num_batches();

  Generator gen(cfg.seed);  // weights and dropout masks; must outlive the model
  std::shared_ptr<Sequential<float>> model = build(cfg.model, gen);
  std::unique_ptr<Optimizer<float>> optimizer = make_optimizer<float>(cfg.optimizer, model->parameters(), cfg.lr);

  std::cout << "minidl train_cnn: " << model->describe() << " (" << model->num_parameters() << " parameters), "
            << train_set.size() << " train / " << test_set.size() << " test images\n"
            << "  batch " << cfg.batch_size << ", " << cfg.optimizer << " lr " << optimizer->lr() << ", " << cfg.epochs
            << " epochs of " << per_epoch << " steps, seed " << cfg.seed << ", " << threads.label() << "\n";
  model->print(std::cout, 2);
  std::cout << std::endl;

  make_dirs(cfg.out_dir);
  std::ofstream metrics(cfg.out_dir + "/metrics.csv");
  std::ofstream steps_csv(cfg.out_dir + "/steps.csv");
  metrics << "epoch,step,train_loss,train_acc,test_acc,epoch_train_s,elapsed_s\n";
  steps_csv << "step,epoch,loss\n";

  PlotSeries loss_curve{"mini-batch loss", {}, {}}, train_curve{"train", {}, {}}, test_curve{"test", {}, {}};
  std::size_t step = 0;
  double test_acc = 0, train_acc = 0;
  for (std::size_t epoch = 1; epoch <= cfg.epochs; ++epoch) {
    ProgressBar bar(per_epoch, "epoch " + std::to_string(epoch) + "/" + std::to_string(cfg.epochs), cfg.batch_size);
    const auto epoch_start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    loader.start_epoch();
    for (std::size_t i = 0; i < per_epoch; ++i) {
      const Batch<float>& batch = loader.batch(i);
      optimizer->zero_grad();
      Variable<float> loss;
      try {
        loss = softmax_cross_entropy((*model)(Variable<float>(batch.features)), batch.labels);
      } catch (const std::domain_error& e) {
        throw std::runtime_error("training diverged at step " + std::to_string(step + 1) + ": " + e.what() +
                                 "; try a smaller --lr");
      }
      loss.backward();
      optimizer->step();
      ++step;
      const double l = loss.item();
      loss_sum += l;
      steps_csv << step << "," << epoch << "," << l << "\n";
      loss_curve.x.push_back(static_cast<double>(step));
      loss_curve.y.push_back(l);
      bar.update(i + 1, l);
    }
    bar.finish();
    const double epoch_train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    train_acc = evaluate(*model, train_set, kTrainEvalLimit);
    test_acc = evaluate(*model, test_set);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double mean_loss = loss_sum / static_cast<double>(per_epoch);
    std::cout << std::fixed << std::setprecision(4) << "epoch " << epoch << ": loss " << mean_loss << "  train acc "
              << std::setprecision(2) << 100 * train_acc << "%  test acc " << 100 * test_acc << "%  (epoch "
              << std::setprecision(1) << epoch_train_s << " s training, " << elapsed << " s total)" << std::endl;
    metrics << epoch << "," << step << "," << mean_loss << "," << train_acc << "," << test_acc << "," << epoch_train_s
            << "," << elapsed << "\n";
    metrics.flush();
    steps_csv.flush();
    train_curve.x.push_back(static_cast<double>(epoch));
    train_curve.y.push_back(train_acc);
    test_curve.x.push_back(static_cast<double>(epoch));
    test_curve.y.push_back(test_acc);
    save_checkpoint(*model, cfg.out_dir + "/model.ckpt");
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
    std::cerr << "train_cnn: test accuracy " << test_acc << " is below the required " << cfg.min_test_accuracy << "\n";
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Tensors come from minidl's buffer cache; this keeps any other multi-megabyte buffer in glibc's
  // heap too, instead of a fresh mmap faulted in page by page every step.
  keep_large_buffers_in_heap();
  Config cfg;
  CLI::App app{"Train the book's convolutional networks on MNIST with minidl"};
  app.set_version_flag("--version", minidl::version_banner("train_cnn"));
  app.add_option("--model", cfg.model, "simple (SimpleConvNet) or deep (DeepConvNet)")->capture_default_str();
  app.add_option("--epochs", cfg.epochs, "passes over the training set")->capture_default_str();
  app.add_option("--batch-size", cfg.batch_size, "mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--optimizer", cfg.optimizer, "sgd, momentum, nesterov, adagrad, rmsprop or adam")
      ->capture_default_str();
  app.add_option("--lr", cfg.lr, "learning rate (default: the optimizer's book default, 0.001 for adam)");
  app.add_option("--seed", cfg.seed, "seed for initialisation, shuffling and dropout")->capture_default_str();
  app.add_option("--data", cfg.data_dir, "directory with the MNIST IDX files (plain or .gz)")->capture_default_str();
  app.add_option("--out", cfg.out_dir, "output directory (default runs/mnist_<model>)");
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
    std::cerr << "train_cnn: error: " << e.what() << "\n";
    return 1;
  }
}
