// Chapter 4 of the book: numerical differentiation and gradient descent, with the book's numbers.
#include <catch2/catch.hpp>

#include <cmath>

#include <minidl/check/numerical.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {
double function_1(double x) { return 0.01 * x * x + 0.1 * x; }
double function_2(const Tensor<double>& x) { return x(0) * x(0) + x(1) * x(1); }
}  // namespace

TEST_CASE("numerical_diff: the book's function_1 at 5 and 10", "[numerical][book]") {
  CHECK(numerical_diff(function_1, 5.0) == Approx(0.2).epsilon(1e-9));
  CHECK(numerical_diff(function_1, 10.0) == Approx(0.3).epsilon(1e-9));
  // Central difference is exact for a quadratic up to round-off; the forward difference the book
  // warns about is off by h·f''/2 = 1e-6 here.
  CHECK(std::fabs(numerical_diff(function_1, 5.0) - 0.2) < 1e-9);
  CHECK(numerical_diff([](double x) { return std::sin(x); }, 0.3) == Approx(std::cos(0.3)).epsilon(1e-8));
}

TEST_CASE("numerical_gradient: the book's function_2 at three points", "[numerical][book]") {
  Tensor<double> x = {3.0, 4.0};
  Tensor<double> g = numerical_gradient(function_2, x);
  CHECK(g(0) == Approx(6.0).epsilon(1e-8));
  CHECK(g(1) == Approx(8.0).epsilon(1e-8));
  // Values restored bit for bit.
  CHECK(x(0) == 3.0);
  CHECK(x(1) == 4.0);

  Tensor<double> y = {0.0, 2.0};
  Tensor<double> gy = numerical_gradient(function_2, y);
  CHECK(gy(0) == Approx(0.0).margin(1e-9));
  CHECK(gy(1) == Approx(4.0).epsilon(1e-8));
  Tensor<double> z = {3.0, 0.0};
  Tensor<double> gz = numerical_gradient(function_2, z);
  CHECK(gz(0) == Approx(6.0).epsilon(1e-8));
  CHECK(gz(1) == Approx(0.0).margin(1e-9));
}

TEST_CASE("numerical_gradient: every element of a matrix, f with no argument, float", "[numerical]") {
  Tensor<double> W = {{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}};
  const Tensor<double> W0 = W;
  const double* storage = W.data();
  // f() reads W through the reference it closes over, like the book's `lambda w: net.loss(x, t)`.
  auto f = [&W]() {
    double s = 0;
    for (std::size_t i = 0; i < W.size(); ++i) s += W.data()[i] * W.data()[i] * W.data()[i];
    return s;
  };
  Tensor<double> g = numerical_gradient(f, W);
  REQUIRE(g.shape() == W.shape());
  for (std::size_t i = 0; i < W.size(); ++i) {
    CHECK(g.data()[i] == Approx(3 * W0.data()[i] * W0.data()[i]).epsilon(1e-7));
  }
  CHECK((W == W0));
  CHECK(W.data() == storage);  // perturbed in place, never reallocated

  // A scalar Variable result works too (item() is used), and float tensors are supported.
  Tensor<float> xf = {1.0f, -2.0f};
  Tensor<float> gf = numerical_gradient(
      [](const Tensor<float>& t) { return sum(Var(t) * Var(t)); }, xf, 1e-2);
  CHECK(gf(0) == Approx(2.0f).epsilon(1e-3));
  CHECK(gf(1) == Approx(-4.0f).epsilon(1e-3));
}

TEST_CASE("gradient_descent: the book's three learning rates on function_2", "[numerical][book]") {
  const Tensor<double> init = {-3.0, 4.0};

  std::vector<Tensor<double>> path;
  Tensor<double> x = gradient_descent(function_2, init, 0.1, 100, &path);
  CHECK(x(0) == Approx(0.0).margin(1e-8));  // the book prints -6.1e-10, 8.1e-10
  CHECK(x(1) == Approx(0.0).margin(1e-8));
  CHECK(x(0) == Approx(-3.0 * std::pow(0.8, 100)).epsilon(1e-4));
  CHECK(x(1) == Approx(4.0 * std::pow(0.8, 100)).epsilon(1e-4));
  REQUIRE(path.size() == 100);
  CHECK((path[0] == init));
  CHECK(path[1](0) == Approx(-2.4).epsilon(1e-9));  // x - 0.1·2x = 0.8x
  CHECK(init(0) == -3.0);                         // init_x untouched

  Tensor<double> big = gradient_descent(function_2, init, 10.0, 100);
  CHECK(std::fabs(big(0)) > 1e10);  // diverges (the book: -2.58e13, -1.29e12)

  Tensor<double> tiny = gradient_descent(function_2, init, 1e-10, 100);
  CHECK(tiny(0) == Approx(-3.0).epsilon(1e-6));  // barely moves (the book: -2.99999994, 3.99999992)
  CHECK(tiny(1) == Approx(4.0).epsilon(1e-6));
  CHECK(tiny(0) != -3.0);
  CHECK(tiny(0) == Approx(-2.99999994).epsilon(1e-8));
  CHECK(tiny(1) == Approx(3.99999992).epsilon(1e-8));
}
