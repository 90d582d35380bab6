// Optimizers against hand-computed updates.
#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>
#include <minidl/optim/optimizer.hpp>
#include <minidl/optim/sgd.hpp>

using namespace minidl;

TEST_CASE("SGD minimises a known quadratic step by step", "[optim]") {
  // f(w) = (w0 - 3)² + 2 (w1 + 1)²; grad = (2(w0-3), 4(w1+1)).
  auto w = variable<double>({0.0, 0.0}, true);
  SGD<double> opt({w}, 0.1);
  auto f = [&] { return sum(pow(w - variable<double>({3.0, -1.0}), 2.0) * variable<double>({1.0, 2.0})); };
  opt.zero_grad();
  f().backward();
  REQUIRE(w.grad().data()(0) == Approx(-6.0));
  REQUIRE(w.grad().data()(1) == Approx(4.0));
  opt.step();
  REQUIRE(w.data()(0) == Approx(0.6));   // 0 - 0.1 * -6
  REQUIRE(w.data()(1) == Approx(-0.4));  // 0 - 0.1 * 4
  opt.zero_grad();
  f().backward();
  opt.step();
  REQUIRE(w.data()(0) == Approx(0.6 - 0.1 * 2 * (0.6 - 3)));
  REQUIRE(w.data()(1) == Approx(-0.4 - 0.1 * 4 * (-0.4 + 1)));
  for (int i = 0; i < 200; ++i) {
    opt.zero_grad();
    f().backward();
    opt.step();
  }
  REQUIRE(w.data()(0) == Approx(3.0).margin(1e-9));
  REQUIRE(w.data()(1) == Approx(-1.0).margin(1e-9));
  REQUIRE(opt.steps() == 202);
}

TEST_CASE("Optimizer skips parameters without a gradient and validates its arguments", "[optim]") {
  auto a = variable<float>({1.0f}, true), b = variable<float>({1.0f}, true);
  SGD<float> opt({a, b}, 0.5);
  sum(a * 2.0).backward();
  opt.step();
  REQUIRE(a.data()(0) == Approx(0.0f));
  REQUIRE(b.data()(0) == Approx(1.0f));
  REQUIRE_THROWS_AS(SGD<float>({a}, -1.0), std::invalid_argument);
  REQUIRE_THROWS_AS(SGD<float>({Var()}, 0.1), std::invalid_argument);
}
