// Raw tensor kernels (core/kernels.hpp) against scalar std:: formulas, their output reuse and
// aliasing, gemm against a naive triple loop with every transpose flag, and allclose/max_abs_diff.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

template <typename T>
Tensor<T> ramp(const Shape& shape, double lo, double hi) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  const std::size_t n = t.size();
  for (std::size_t k = 0; k < n; ++k) t.data()[k] = static_cast<T>(lo + (hi - lo) * double(k) / double(n - 1));
  return t;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEMPLATE_TEST_CASE("kernels: exp, log, tanh, sigmoid match the scalar formulas", "[kernels]", float, double) {
  const Tensor<TestType> x = ramp<TestType>({5, 7}, -30.0, 30.0);
  Tensor<TestType> y;
  const double tol = std::is_same<TestType, float>::value ? 2e-6 : 1e-14;
  kernels::exp(x, y);
  REQUIRE(y.shape() == x.shape());
  for (std::size_t k = 0; k < x.size(); ++k) CHECK(y.data()[k] == Approx(std::exp(double(x.data()[k]))).epsilon(tol));
  kernels::tanh(x, y);
  for (std::size_t k = 0; k < x.size(); ++k) {
    CHECK(y.data()[k] == Approx(std::tanh(double(x.data()[k]))).epsilon(tol).margin(tol));
  }
  kernels::sigmoid(x, y);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double v = x.data()[k];
    CHECK(y.data()[k] == Approx(1.0 / (1.0 + std::exp(-v))).epsilon(tol));  // relative, even at σ(−30)
  }
  const Tensor<TestType> pos = ramp<TestType>({9}, 0.01, 50.0);
  kernels::log(pos, y);
  REQUIRE(y.shape() == pos.shape());  // resized to the new input's shape
  for (std::size_t k = 0; k < pos.size(); ++k) {
    CHECK(y.data()[k] == Approx(std::log(double(pos.data()[k]))).epsilon(tol).margin(tol));
  }
}

TEST_CASE("kernels: sigmoid is stable in both tails and may run in place", "[kernels]") {
  Tensor<double> x = {-800.0, -100.0, 0.0, 100.0, 800.0};
  Tensor<double> y;
  kernels::sigmoid(x, y);
  CHECK(y(0) == 0.0);  // e^-800 underflows double: exact 0, not NaN
  CHECK(y(1) == Approx(std::exp(-100.0)).epsilon(1e-12));
  CHECK(y(2) == 0.5);
  CHECK(y(4) == 1.0);
  kernels::sigmoid(x, x);  // in place
  CHECK(x(1) == Approx(std::exp(-100.0)).epsilon(1e-12));
  CHECK(x(3) == 1.0);
}

TEMPLATE_TEST_CASE("kernels: sigmoid_backward / tanh_backward match the derivative formulas", "[kernels]", float,
                   double) {
  const Tensor<TestType> x = ramp<TestType>({3, 4}, -2.0, 2.0);
  const Tensor<TestType> gy = ramp<TestType>({3, 4}, 0.5, 1.5);
  const double tol = std::is_same<TestType, float>::value ? 1e-5 : 1e-13;
  Tensor<TestType> gx, y;
  kernels::sigmoid(x, y);
  kernels::sigmoid_backward(gy, y, gx);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double e = std::exp(-double(x.data()[k]));
    CHECK(gx.data()[k] == Approx(double(gy.data()[k]) * e / ((1 + e) * (1 + e))).epsilon(tol));
  }
  kernels::tanh(x, y);
  kernels::tanh_backward(gy, y, gx);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double c = std::cosh(double(x.data()[k]));
    CHECK(gx.data()[k] == Approx(double(gy.data()[k]) / (c * c)).epsilon(tol));
  }
  Tensor<TestType> wrong = ramp<TestType>({4, 3}, 0.0, 1.0);
  CHECK_THROWS_AS(kernels::sigmoid_backward(wrong, y, gx), std::invalid_argument);
}

TEMPLATE_TEST_CASE("kernels::gemm: every transpose flag against a naive product; alpha, beta", "[kernels][blas]", float,
                   double) {
  const Tensor<TestType> a = ramp<TestType>({3, 4}, -1.0, 2.0);
  const Tensor<TestType> b = ramp<TestType>({4, 5}, 1.5, -0.5);
  Tensor<TestType> ref = zeros_tensor<TestType>({3, 5});
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 5; ++j)
      for (std::size_t k = 0; k < 4; ++k) ref(i, j) += a(i, k) * b(k, j);
  const double tol = std::is_same<TestType, float>::value ? 1e-5 : 1e-13;
  Tensor<TestType> c;
  kernels::gemm(a, b, c);
  CHECK(minidl::allclose(c, ref, tol, tol));
  const Tensor<TestType> at = xt::transpose(a), bt = xt::transpose(b);
  kernels::gemm(at, b, c, true, false);
  CHECK(minidl::allclose(c, ref, tol, tol));
  kernels::gemm(a, bt, c, false, true);
  CHECK(minidl::allclose(c, ref, tol, tol));
  kernels::gemm(at, bt, c, true, true, TestType(2), TestType(0));
  Tensor<TestType> twice = ref * TestType(2);
  CHECK(minidl::allclose(c, twice, tol, tol));
  kernels::gemm(a, b, c, false, false, TestType(1), TestType(1));  // accumulate: 2·ref + ref
  Tensor<TestType> thrice = ref * TestType(3);
  CHECK(minidl::allclose(c, thrice, tol, tol));
}

TEST_CASE("kernels::gemm: shape errors name both operands", "[kernels][errors]") {
  Tensor<float> a = zeros_tensor<float>({3, 4}), b = zeros_tensor<float>({5, 2}), c;
  try {
    kernels::gemm(a, b, c);
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "kernels::gemm: op(A) (3,4) x op(B) (5,2)"));
  }
  Tensor<float> b2 = zeros_tensor<float>({4, 2}), c_wrong = zeros_tensor<float>({2, 2});
  CHECK_THROWS_AS(kernels::gemm(a, b2, c_wrong, false, false, 1.f, 1.f), std::invalid_argument);
  CHECK_THROWS_AS(kernels::gemm(zeros_tensor<float>({3}), b2, c), std::invalid_argument);
}

TEST_CASE("allclose and max_abs_diff: tolerances, NaN, infinities, shapes", "[kernels][allclose]") {
  const Tensor<double> a = {1.0, 2.0, 3.0};
  const Tensor<double> b = {1.0, 2.0 + 1e-6, 3.0};
  CHECK(max_abs_diff(a, b) == Approx(1e-6).epsilon(1e-6));
  CHECK(minidl::allclose(a, b, 1e-6, 0.0));
  CHECK_FALSE(minidl::allclose(a, b, 1e-7, 0.0));
  CHECK(minidl::allclose(a, b, 0.0, 2e-6));
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const Tensor<double> n1 = {1.0, nan}, n2 = {1.0, nan};
  CHECK(std::isnan(max_abs_diff(n1, n2)));
  CHECK_FALSE(minidl::allclose(n1, n2));
  CHECK(minidl::allclose(n1, n2, 1e-5, 1e-8, /*equal_nan=*/true));
  const Tensor<double> i1 = {inf, -inf}, i2 = {inf, -inf}, i3 = {inf, 0.0};
  CHECK(max_abs_diff(i1, i2) == 0.0);
  CHECK(minidl::allclose(i1, i2));
  CHECK(max_abs_diff(i1, i3) == inf);
  CHECK_FALSE(minidl::allclose(i1, i3, 1.0, 1e10));
  CHECK(minidl::allclose(Var64(a), Var64(b), 1e-5));
  try {
    minidl::allclose(a, Tensor<double>{1.0, 2.0});
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "allclose: shapes (3) and (2) differ"));
  }
}
