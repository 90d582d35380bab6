// The book's models: TwoLayerNet's numerical (chapter 4) and backprop (chapter 5) gradients agree.
#include <catch2/catch.hpp>

#include <cmath>
#include <iostream>

#include <minidl/minidl.hpp>

#include <minidl/models/mlp.hpp>
#include <minidl/models/two_layer_net.hpp>

using namespace minidl;

TEST_CASE("TwoLayerNet: backprop gradient matches the numerical gradient (the book's gradient check)", "[models]") {
  Generator gen(11);
  models::TwoLayerNet<double> net(784, 50, 10, gen, 0.01);
  // Three MNIST-like rows, as in the book's gradient_check.py.
  auto x = uniform<double>({3, 784}, gen, 0.0, 1.0);
  const std::vector<std::size_t> t{7, 2, 1};

  auto numeric = net.numerical_gradient(x, t);
  auto backprop = net.gradient(x, t);
  REQUIRE(numeric.size() == 4);
  for (const auto& [name, g] : backprop) {
    const Tensor<double>& n = numeric.at(name);
    REQUIRE(n.shape() == g.shape());
    // Relative error of the whole gradient: ||a - n|| / (||a|| + ||n||). Elementwise relative errors
    // are meaningless for the many near-zero entries.
    const double diff = std::sqrt(xt::sum(xt::square(g - n))());
    const double scale = std::sqrt(xt::sum(xt::square(g))()) + std::sqrt(xt::sum(xt::square(n))());
    const double mean_abs = xt::mean(xt::abs(g - n))();
    std::cout << "TwoLayerNet gradient check " << name << ": relative error " << diff / scale << ", mean |diff| "
              << mean_abs << "\n";
    REQUIRE(scale > 0);  // a gradient that is all zero would make this check meaningless
    REQUIRE(diff / scale <= 1e-7);
  }
}

TEST_CASE("TwoLayerNet loss and accuracy behave as in the book", "[models]") {
  Generator gen(12);
  models::TwoLayerNet<float> net(20, 8, 4, gen, 0.01);
  auto x = uniform<float>({50, 20}, gen);
  std::vector<std::size_t> t(50);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = i % 4;
  // Tiny weights: logits near 0, so the loss is close to log(4).
  REQUIRE(net.loss(x, t).item() == Approx(std::log(4.0)).epsilon(0.01));
  const double acc = net.accuracy(x, t);
  REQUIRE(acc >= 0.0);
  REQUIRE(acc <= 1.0);
  REQUIRE(net.named_parameters().size() == 4);
  REQUIRE(net.named_parameters()[0].first == "affine1.W");
}

TEST_CASE("MLP learns a separable toy problem with SGD", "[models]") {
  Generator gen(13);
  models::MLP<float> mlp({2, 16, 2}, gen);
  // Two Gaussian blobs.
  auto x = randn<float>({200, 2}, gen, 0.0, 0.5);
  std::vector<std::size_t> t(200);
  for (std::size_t i = 0; i < 200; ++i) {
    t[i] = i % 2;
    x.data()(i, 0) += t[i] ? 2.0f : -2.0f;
  }
  SGD<float> opt(mlp.parameters(), 0.5);
  double first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    opt.zero_grad();
    auto loss = softmax_cross_entropy(mlp(x), t);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  REQUIRE(last < first / 10);
  NoGradGuard no_grad;
  REQUIRE(accuracy(mlp(x).data(), t) > 0.97);
  REQUIRE_THROWS_AS(models::MLP<float>({10}, gen), std::invalid_argument);
}
