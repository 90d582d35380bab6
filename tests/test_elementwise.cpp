// ops/elementwise: forward values against hand-computed numbers in float and double, gradients
// against closed forms, sigmoid's stability in both tails, step's missing gradient path, the exact
// 0/1 gradients of relu and clip, and second derivatives through grad(create_graph).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

template <typename T>
Variable<T> vec(std::vector<double> values, bool requires_grad = false) {
  Tensor<T> t = Tensor<T>::from_shape({values.size()});
  for (std::size_t i = 0; i < values.size(); ++i) t.data()[i] = static_cast<T>(values[i]);
  return Variable<T>(std::move(t), requires_grad);
}

// Every element of t equals the expected value within a relative tolerance fit for T.
// float_eps is loosened where float rounding compounds (second derivatives).
template <typename T>
void require_values(const Tensor<T>& t, const std::vector<double>& expected, double float_eps = 1e-6) {
  const double eps = std::is_same<T, float>::value ? float_eps : 1e-12;
  REQUIRE(t.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    REQUIRE(static_cast<double>(t.data()[i]) == Approx(expected[i]).epsilon(eps).margin(eps));
  }
}

// Elementwise gradient of sum(f(x)) at x: one backward() from a scalar.
template <typename T, typename F>
Tensor<T> grad_of_sum(F f, const std::vector<double>& values) {
  Variable<T> x = vec<T>(values, true);
  sum(f(x)).backward();
  return x.grad().data();
}

const std::vector<double> kX = {-2.0, -0.5, 0.0, 0.5, 2.0};
const std::vector<double> kPositive = {0.25, 1.0, 4.0};

}  // namespace

TEMPLATE_TEST_CASE("elementwise: forward values match hand-computed numbers", "[elementwise]", float, double) {
  using T = TestType;
  const Variable<T> x = vec<T>(kX);
  const Variable<T> p = vec<T>(kPositive);
  require_values(exp(x).data(), {0.1353352832366127, 0.6065306597126334, 1.0, 1.6487212707001282, 7.38905609893065});
  require_values(log(p).data(), {-1.3862943611198906, 0.0, 1.3862943611198906});
  require_values(sqrt(p).data(), {0.5, 1.0, 2.0});
  require_values(tanh(x).data(), {-0.9640275800758169, -0.46211715726000974, 0.0, 0.46211715726000974,
                                  0.9640275800758169});
  require_values(sigmoid(x).data(), {0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546,
                                     0.8807970779778823});
  require_values(relu(x).data(), {0, 0, 0, 0.5, 2});
  require_values(step(x).data(), {0, 0, 0, 1, 1});
  require_values(abs(x).data(), {2, 0.5, 0, 0.5, 2});
  require_values(clip(x, -1.0, 1.0).data(), {-1, -0.5, 0, 0.5, 1});
  require_values(square(x).data(), {4, 0.25, 0, 0.25, 4});
}

TEMPLATE_TEST_CASE("elementwise: gradients match closed forms", "[elementwise][backward]", float, double) {
  using T = TestType;
  using V = Variable<T>;
  require_values(grad_of_sum<T>([](const V& v) { return exp(v); }, kX),
                 {0.1353352832366127, 0.6065306597126334, 1.0, 1.6487212707001282, 7.38905609893065});
  require_values(grad_of_sum<T>([](const V& v) { return log(v); }, kPositive), {4.0, 1.0, 0.25});
  require_values(grad_of_sum<T>([](const V& v) { return sqrt(v); }, kPositive), {1.0, 0.5, 0.25});
  // tanh' = 1 - tanh², σ' = σ(1 - σ), (x²)' = 2x, |x|' = sign(x) with sign(0) = 0.
  require_values(grad_of_sum<T>([](const V& v) { return tanh(v); }, kX),
                 {0.07065082485316443, 0.7864477329659274, 1.0, 0.7864477329659274, 0.07065082485316443});
  require_values(grad_of_sum<T>([](const V& v) { return sigmoid(v); }, kX),
                 {0.10499358540350652, 0.2350037122015945, 0.25, 0.2350037122015945, 0.10499358540350652});
  require_values(grad_of_sum<T>([](const V& v) { return square(v); }, kX), {-4, -1, 0, 1, 4});
  require_values(grad_of_sum<T>([](const V& v) { return abs(v); }, kX), {-1, -1, 0, 1, 1});
}

TEMPLATE_TEST_CASE("elementwise: an upstream gradient is multiplied through", "[elementwise][backward]", float,
                   double) {
  using T = TestType;
  Variable<T> x = vec<T>({0.5, 1.0, 2.0}, true);
  Tensor<T> gy = Tensor<T>::from_shape({3});
  gy.data()[0] = T(2), gy.data()[1] = T(-1), gy.data()[2] = T(0.5);
  log(x).backward(gy);
  require_values(x.grad().data(), {4.0, -1.0, 0.25});  // gy / x
}

TEMPLATE_TEST_CASE("sigmoid: stable at +-100 and beyond, accurate in the tails", "[elementwise][sigmoid]", float,
                   double) {
  using T = TestType;
  Variable<T> x = vec<T>({-1000, -100, 100, 1000}, true);
  Variable<T> y = sigmoid(x);
  for (std::size_t i = 0; i < 4; ++i) REQUIRE_FALSE(std::isnan(y.data().data()[i]));
  REQUIRE(y.data().data()[0] == T(0));
  REQUIRE(y.data().data()[1] >= T(0));
  REQUIRE(y.data().data()[1] < T(1e-40));
  REQUIRE(y.data().data()[2] == T(1));
  REQUIRE(y.data().data()[3] == T(1));
  sum(y).backward();
  for (std::size_t i = 0; i < 4; ++i) {
    REQUIRE(std::isfinite(x.grad().data().data()[i]));
    REQUIRE(x.grad().data().data()[i] == Approx(0.0).margin(1e-30));
  }
  // e^-30 / (1 + e^-30) keeps full relative accuracy (1 - σ(30) would have lost it all).
  REQUIRE(static_cast<double>(sigmoid(vec<T>({-30})).data()(0)) ==
          Approx(9.357622968840175e-14).epsilon(std::is_same<T, float>::value ? 1e-6 : 1e-12));
}

TEMPLATE_TEST_CASE("step: 0/1 values and no gradient path", "[elementwise][step]", float, double) {
  using T = TestType;
  Variable<T> x = vec<T>({-1, 0, 2}, true);
  Variable<T> s = step(x);
  require_values(s.data(), {0, 0, 1});
  REQUIRE_FALSE(s.requires_grad());
  REQUIRE(s.is_leaf());
  REQUIRE(s.op() == nullptr);
  REQUIRE_THROWS_AS(sum(s).backward(), std::logic_error);
  // Mixed with a differentiable path, only that path contributes: d/dx sum(step(x) * x) = step(x).
  sum(mul(step(x), x)).backward();
  require_values(x.grad().data(), {0, 0, 1});
}

TEMPLATE_TEST_CASE("relu and clip: gradients are exactly 0 or 1", "[elementwise][relu]", float, double) {
  using T = TestType;
  const std::vector<double> values = {-1.5, -0.1, 0.0, 0.1, 3.0};
  const Tensor<T> g = grad_of_sum<T>([](const Variable<T>& v) { return relu(v); }, values);
  const std::vector<T> expected = {0, 0, 0, 1, 1};  // 0 at exactly 0, as in the book
  for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(g.data()[i] == expected[i]);

  // The create_graph path builds the same mask from Variable ops.
  Variable<T> x = vec<T>(values, true);
  const Variable<T> g2 = minidl::grad(sum(relu(x)), x, /*create_graph=*/true);
  for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(g2.data().data()[i] == expected[i]);

  // clip: 1 strictly inside (lo, hi), 0 at the bounds and outside.
  const Tensor<T> gc = grad_of_sum<T>([](const Variable<T>& v) { return clip(v, -1.0, 1.0); },
                                      {-2.0, -1.0, -0.5, 0.5, 1.0, 2.0});
  const std::vector<T> expected_clip = {0, 0, 1, 1, 0, 0};
  for (std::size_t i = 0; i < expected_clip.size(); ++i) REQUIRE(gc.data()[i] == expected_clip[i]);
}

TEMPLATE_TEST_CASE("relu passes NaN through instead of zeroing it", "[elementwise][relu][nan]", float, double) {
  using T = TestType;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  Variable<T> x(Tensor<T>{-1, nan, 2, -nan});
  x.set_requires_grad(true);
  const Variable<T> y = relu(x);
  REQUIRE(y.data()(0) == 0);
  REQUIRE(std::isnan(y.data()(1)));
  REQUIRE(y.data()(2) == 2);
  REQUIRE(std::isnan(y.data()(3)));
  // The gradient is the mask [y > 0]: 0 at a NaN, so backward itself stays finite.
  y.backward(Tensor<T>{1, 1, 1, 1});
  const std::vector<T> expected = {0, 0, 1, 0};
  for (std::size_t i = 0; i < expected.size(); ++i) REQUIRE(x.grad().data()(i) == expected[i]);
}

TEST_CASE("clip: lo > hi is rejected with the op name", "[elementwise][errors]") {
  const Var x = vec<float>({1, 2});
  REQUIRE_THROWS_MATCHES(clip(x, 2.0, 1.0), std::invalid_argument,
                         Catch::Message("clip: lo (2) must not exceed hi (1) for x (2)"));
  REQUIRE_NOTHROW(clip(x, 1.0, 1.0));
}

TEST_CASE("elementwise: shapes are preserved, including 0-d and 3-D", "[elementwise]") {
  const Var64 s = scalar<double>(0.5, true);
  REQUIRE(tanh(s).shape() == Shape{});
  REQUIRE(sigmoid(s).item() == Approx(0.6224593312018546));
  const Var64 x = uniform<double>({2, 3, 4}, 0.5, 2.0, true);
  for (const Var64& y : {exp(x), log(x), sqrt(x), tanh(x), sigmoid(x), relu(x), step(x), abs(x), clip(x, 0.0, 1.0),
                         square(x)}) {
    REQUIRE(y.shape() == Shape{2, 3, 4});
  }
}

TEST_CASE("elementwise: nothing is recorded without requires_grad or under NoGradGuard", "[elementwise]") {
  const Var64 c = vec<double>({0.5, 1.0});
  REQUIRE(relu(c).is_leaf());
  REQUIRE_FALSE(sigmoid(c).requires_grad());
  const Var64 x = vec<double>({0.5, 1.0}, true);
  REQUIRE(sigmoid(x).op() == std::string("sigmoid"));
  NoGradGuard guard;
  REQUIRE(sigmoid(x).is_leaf());
  REQUIRE(relu(x).is_leaf());
}

TEMPLATE_TEST_CASE("elementwise: second derivatives through grad(create_graph)", "[elementwise][higher-order]", float,
                   double) {
  using T = TestType;
  using V = Variable<T>;
  // f''(x) for each x: differentiate sum(f'(x)), where f'(x) came from grad(..., create_graph=true).
  auto second = [](auto f, const std::vector<double>& values) {
    V x = vec<T>(values, true);
    const V d1 = minidl::grad(sum(f(x)), x, /*create_graph=*/true);
    REQUIRE(d1.requires_grad());
    return minidl::grad(sum(d1), x).data();
  };
  const std::vector<double> xs = {-1.5, -0.3, 0.4, 2.0};
  std::vector<double> tanh2, sig2, exp2;
  for (double v : xs) {
    const double t = std::tanh(v), s = 1.0 / (1.0 + std::exp(-v));
    tanh2.push_back(-2.0 * t * (1.0 - t * t));     // tanh'' = -2 tanh (1 - tanh²)
    sig2.push_back(s * (1.0 - s) * (1.0 - 2.0 * s));  // σ'' = σ(1 - σ)(1 - 2σ)
    exp2.push_back(std::exp(v));                     // exp'' = exp
  }
  require_values(second([](const V& v) { return tanh(v); }, xs), tanh2, 1e-5);
  require_values(second([](const V& v) { return sigmoid(v); }, xs), sig2, 1e-5);
  require_values(second([](const V& v) { return exp(v); }, xs), exp2, 1e-5);
  // log'' = -1/x², sqrt'' = -1/(4 x^1.5), (x²)'' = 2.
  require_values(second([](const V& v) { return log(v); }, {0.5, 2.0}), {-4.0, -0.25}, 1e-5);
  require_values(second([](const V& v) { return sqrt(v); }, {0.25, 4.0}), {-2.0, -1.0 / 32.0}, 1e-5);
  require_values(second([](const V& v) { return square(v); }, {-1.0, 3.0}), {2.0, 2.0}, 1e-5);
}

TEST_CASE("elementwise: third derivative of tanh through nested create_graph", "[elementwise][higher-order]") {
  Var64 x = vec<double>({0.7}, true);
  const Var64 d1 = minidl::grad(sum(tanh(x)), x, true);
  const Var64 d2 = minidl::grad(sum(d1), x, true);
  const Var64 d3 = minidl::grad(sum(d2), x);
  const double t = std::tanh(0.7);
  // tanh''' = -2 (1 - t²)(1 - 3t²)
  REQUIRE(d3.data()(0) == Approx(-2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)).epsilon(1e-12));
}
