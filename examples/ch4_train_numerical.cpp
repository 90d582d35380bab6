// The book's chapter-4 experiment: train TwoLayerNet with NUMERICAL gradients, watch the loss fall,
// and see why backprop exists: time one numerical gradient against one backprop gradient.
//
//   build/ch4_train_numerical [--iters N] [--data DIR] [--full-forward]
//
// By default the numerical gradient is TwoLayerNet::numerical_gradient, which forms the same
// central differences from a cached forward pass (a fraction of a second a step); --full-forward
// runs the book's literal algorithm, two full forward passes per parameter element (~16 s a step).

#include <CLI/CLI.hpp>
#include <chrono>
#include <iomanip>
#include <iostream>

#include <minidl/minidl.hpp>
#include <minidl/data/dataloader.hpp>
#include <minidl/data/mnist.hpp>

#include <minidl/models/two_layer_net.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kHidden = 50;         // the book's hidden layer
constexpr std::size_t kBatch = 100;         // the book's mini-batch size
constexpr double kLearningRate = 0.1;       // the book's learning rate
constexpr double kWeightInitStd = 0.01;     // the book's weight_init_std
constexpr std::uint64_t kSeed = 7;          // fixed: the same loss curve every run

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t iters = 3;  // each step costs 79,520 loss evaluations
  std::string data_dir = "data/mnist";
  bool full_forward = false;
  CLI::App app{"Chapter 4: TwoLayerNet trained with numerical gradients"};
  app.set_version_flag("--version", minidl::version_banner("ch4_train_numerical"));
  app.add_option("--iters", iters, "training steps with numerical gradients")->capture_default_str();
  app.add_option("--data", data_dir, "MNIST directory")->capture_default_str();
  app.add_flag("--full-forward", full_forward,
               "the book's literal algorithm: two full forward passes per parameter element (~16 s a step)");
  CLI11_PARSE(app, argc, argv);

  try {
    MnistData mnist = load_mnist(data_dir);
    ByteImageDataset<double> train = mnist.dataset<double>(Split::train);
    LoaderOptions opts;
    opts.batch_size = kBatch;
    opts.sampling = Sampling::with_replacement;  // the book's np.random.choice mini-batches
    opts.seed = kSeed;
    DataLoader<double> loader(train, opts);
    loader.start_epoch();

    Generator gen(kSeed);
    models::TwoLayerNet<double> net(784, kHidden, 10, gen, kWeightInitStd);
    std::cout << "TwoLayerNet(784, " << kHidden << ", 10), batch " << kBatch << ", lr " << kLearningRate
              << ", numerical gradients (central difference, h = 1e-4, "
              << (full_forward ? "two full forward passes per element" : "perturbed losses from a cached forward pass")
              << ")\n";

    double numeric_time = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      const Batch<double>& batch = loader.batch(i % loader.num_batches());
      const Variable<double>& x = batch.input;
      const auto t0 = std::chrono::steady_clock::now();
      auto grads = full_forward ? net.numerical_gradient_full_forward(x, batch.labels)
                                : net.numerical_gradient(x, batch.labels);
      numeric_time += seconds_since(t0);
      // Plain SGD on the book's named parameters.
      Tensor<double>* params[] = {&net.affine1->W.data(), &net.affine1->b.data(), &net.affine2->W.data(),
                                  &net.affine2->b.data()};
      const char* names[] = {"W1", "b1", "W2", "b2"};
      for (int k = 0; k < 4; ++k) *params[k] -= kLearningRate * grads.at(names[k]);
      std::cout << "step " << i + 1 << ": loss " << std::fixed << std::setprecision(4)
                << net.loss(x, batch.labels).item() << "\n";
    }

    const Batch<double>& batch = loader.batch(0);
    const Variable<double>& x = batch.input;
    const auto t0 = std::chrono::steady_clock::now();
    constexpr int kBackpropRepeats = 20;
    for (int r = 0; r < kBackpropRepeats; ++r) net.gradient(x, batch.labels);
    const double backprop_time = seconds_since(t0) / kBackpropRepeats;
    const double per_numeric = numeric_time / static_cast<double>(iters ? iters : 1);
    std::cout << std::setprecision(3) << "one numerical gradient: " << per_numeric << " s; one backprop gradient: "
              << backprop_time * 1e3 << " ms; backprop is " << std::setprecision(0) << per_numeric / backprop_time
              << "x faster\n";
  } catch (const std::exception& e) {
    std::cerr << "ch4_train_numerical: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
