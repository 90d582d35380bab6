// ops/conv_pool and nn/conv_pool: the fused convolution + max pooling (+ ReLU) against the ops
// composed (values and every gradient equal bit for bit, also in eval mode, with NaNs, with outputs
// of exactly 0 and with several sample chunks), second derivatives against the composition, errors,
// and the layer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <minidl/minidl.hpp>
#include <minidl/detail/blas.hpp>

using namespace minidl;

namespace {

// Convolution and pooling settings of one case.
struct Case {
  Shape x, w;
  bool bias;
  std::size_t stride, pad, ph, pw, pool_stride, pool_pad;
};

std::string name_of(const Case& c) {
  return "x" + shape_str(c.x) + " W" + shape_str(c.w) + (c.bias ? " bias" : " no bias") + " s" +
         std::to_string(c.stride) + " p" + std::to_string(c.pad) + " pool " + std::to_string(c.ph) + "x" +
         std::to_string(c.pw) + " s" + std::to_string(c.pool_stride) + " p" + std::to_string(c.pool_pad);
}

template <typename T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// The fused op: conv2d_max_pool2d, or conv2d_max_pool2d_relu.
template <typename T>
Variable<T> fused_op(bool with_relu, const Variable<T>& x, const Variable<T>& W, const Variable<T>& b, const Case& c) {
  return with_relu ? conv2d_max_pool2d_relu(x, W, b, c.stride, c.pad, c.ph, c.pw, c.pool_stride, c.pool_pad)
                   : conv2d_max_pool2d(x, W, b, c.stride, c.pad, c.ph, c.pw, c.pool_stride, c.pool_pad);
}

// What it fuses: max_pool2d(conv2d(...)), then relu.
template <typename T>
Variable<T> composed_op(bool with_relu, const Variable<T>& x, const Variable<T>& W, const Variable<T>& b,
                        const Case& c) {
  auto pooled = max_pool2d(conv2d(x, W, b, c.stride, c.pad), c.ph, c.pw, c.pool_stride, c.pool_pad);
  return with_relu ? relu(pooled) : pooled;
}

// The fused op and the composition on the same inputs: the same output and gradients, bit for bit.
// With `zero_patch`, a block of x and the bias are 0, so some outputs are exactly 0 (relu' = 0 there).
template <typename T>
void check_same_as_composition(const Case& c, std::uint64_t seed, bool with_relu, bool with_nan = false,
                               bool zero_patch = false) {
  INFO(name_of(c) << (with_relu ? " + relu" : ""));
  Generator gen(seed);
  auto x = uniform<T>(c.x, gen, -1, 1, true);
  auto W = uniform<T>(c.w, gen, -1, 1, true);
  auto b = c.bias ? uniform<T>({c.w[0]}, gen, -1, 1, true) : Variable<T>();
  if (with_nan) x.data().data()[x.size() / 3] = std::numeric_limits<T>::quiet_NaN();
  if (zero_patch) {
    std::fill(x.data().data(), x.data().data() + x.size() / 2, T(0));
    if (c.bias) b.data().fill(T(0));
  }
  auto fused = fused_op(with_relu, x, W, b, c);
  auto composed = composed_op(with_relu, x, W, b, c);
  REQUIRE(same_bits(fused.data(), composed.data()));
  if (zero_patch) {
    const T* py = fused.data().data();
    REQUIRE(std::count(py, py + fused.size(), T(0)) > 0);
  }
  if (with_nan) return;  // NaN gradients compare unequal to themselves; the values above are the check
  // A weighting with distinct entries, so every output's gradient is different.
  auto weights = uniform<T>(to_shape(fused.data().shape()), gen, -1, 1);
  std::vector<Variable<T>> inputs{x, W};
  if (c.bias) inputs.push_back(b);
  const auto g_fused = grad(std::vector<Variable<T>>{sum(fused * weights)}, inputs);
  const auto g_composed = grad(std::vector<Variable<T>>{sum(composed * weights)}, inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    INFO("gradient of input " << i);
    REQUIRE(same_bits(g_fused[i].data(), g_composed[i].data()));
  }
  // Without gradients (eval, no index kept) the values are the same as well.
  NoGradGuard no_grad;
  auto eval = fused_op(with_relu, x, W, b, c);
  REQUIRE(same_bits(eval.data(), composed.data()));
}

const std::vector<Case> kCases = {
    // SimpleConvNet's layer on a few images (one chunk of samples).
    {{3, 1, 28, 28}, {30, 1, 5, 5}, true, 1, 0, 2, 2, 2, 0},
    // Enough work for several sample chunks and weight-gradient partial sums.
    {{16, 3, 20, 20}, {8, 3, 5, 5}, true, 1, 0, 2, 2, 2, 0},
    // Strided, padded convolution; overlapping, padded pooling; no bias.
    {{4, 2, 11, 9}, {5, 2, 3, 3}, false, 2, 1, 3, 3, 2, 1},
    // Rectangular windows with an odd edge the pooling drops.
    {{2, 3, 9, 10}, {4, 3, 2, 3}, true, 1, 1, 2, 3, 1, 0},
};

}  // namespace

TEMPLATE_TEST_CASE("conv2d_max_pool2d(_relu) equals max_pool2d(conv2d) (then relu) bit for bit", "[conv][pool][fused]",
                   float, double) {
  for (bool with_relu : {false, true}) {
    std::uint64_t seed = 11;
    for (const Case& c : kCases) check_same_as_composition<TestType>(c, seed++, with_relu);
  }
}

TEMPLATE_TEST_CASE("conv2d_max_pool2d_relu: outputs of exactly 0 take no gradient, as relu's", "[conv][pool][fused]",
                   float, double) {
  check_same_as_composition<TestType>(kCases[0], 31, true, false, true);
  check_same_as_composition<TestType>(kCases[1], 32, true, false, true);
}

TEST_CASE("conv2d_max_pool2d(_relu): gradients agree with the composition at every thread count", "[conv][pool][fused]") {
  const int before = blas::threads();
  for (int threads : {1, 2, 3}) {
    INFO(threads << " threads");
    blas::set_threads(threads);
    check_same_as_composition<float>(kCases[1], 5, false);
    check_same_as_composition<float>(kCases[1], 6, true);
  }
  blas::set_threads(before);
}

TEST_CASE("conv2d_max_pool2d(_relu): gradients for every subset of inputs that require them", "[conv][pool][fused]") {
  // Each backward branch: input gradient alone, weights without bias, bias without weights, ...
  for (int mask = 1; mask < 16; ++mask) {
    const bool with_relu = (mask & 8) != 0;
    INFO("x " << (mask & 1) << ", W " << ((mask >> 1) & 1) << ", b " << ((mask >> 2) & 1) << " require grad"
              << (with_relu ? ", relu" : ""));
    if ((mask & 7) == 0) continue;
    Generator gen(static_cast<std::uint64_t>(20 + mask));
    auto x = uniform<float>({4, 2, 9, 8}, gen, -1, 1, (mask & 1) != 0);
    auto W = uniform<float>({3, 2, 3, 3}, gen, -1, 1, (mask & 2) != 0);
    auto b = uniform<float>({3}, gen, -1, 1, (mask & 4) != 0);
    const Case c{{4, 2, 9, 8}, {3, 2, 3, 3}, true, 1, 1, 2, 2, 2, 0};
    auto fused = fused_op(with_relu, x, W, b, c);
    auto composed = composed_op(with_relu, x, W, b, c);
    auto weights = uniform<float>(to_shape(fused.data().shape()), gen, -1, 1);
    std::vector<Variable<float>> inputs;
    for (const auto& v : {x, W, b})
      if (v.requires_grad()) inputs.push_back(v);
    const auto g_fused = grad(std::vector<Variable<float>>{sum(fused * weights)}, inputs);
    const auto g_composed = grad(std::vector<Variable<float>>{sum(composed * weights)}, inputs);
    REQUIRE(g_fused.size() == inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      INFO("gradient " << i);
      REQUIRE(same_bits(g_fused[i].data(), g_composed[i].data()));
    }
  }
}

TEST_CASE("conv2d_max_pool2d(_relu): a NaN propagates as in the composition", "[conv][pool][fused]") {
  for (bool with_relu : {false, true}) {
    check_same_as_composition<float>(kCases[0], 3, with_relu, true);
    check_same_as_composition<double>(kCases[2], 4, with_relu, true);
  }
}

TEST_CASE("conv2d_max_pool2d(_relu): second derivatives match the composition", "[conv][pool][fused][gradgradcheck]") {
  const bool with_relu = GENERATE(false, true);
  INFO((with_relu ? "with relu" : "without relu"));
  Generator gen(8);
  auto x = uniform<double>({2, 2, 7, 6}, gen, -1, 1, true);
  auto W = uniform<double>({3, 2, 3, 3}, gen, -1, 1, true);
  // A negative bias, so the ReLU cuts off some outputs (checked below).
  auto b = uniform<double>({3}, gen, -2, 0, true);
  auto weights = uniform<double>({2, 3, 2, 2}, gen, -1, 1, true);
  const Case c{{2, 2, 7, 6}, {3, 2, 3, 3}, true, 1, 0, 2, 2, 2, 0};
  if (with_relu) {
    const Tensor<double> y = conv2d_max_pool2d_relu(x, W, b, 1, 0, 2, 2, 2).data();
    const auto zeros = std::count(y.data(), y.data() + y.size(), 0.0);
    REQUIRE(zeros > 0);
    REQUIRE(zeros < static_cast<std::ptrdiff_t>(y.size()));
  }
  // d/dx, d/dW and d/d(weights) of Σ gW² + Σ gx² + Σ gb², through the backward ops' own backwards
  // (gy is the weights, so the last one reaches the bias gradient's backward).
  auto second = [&](bool fused) {
    auto y = fused ? fused_op(with_relu, x, W, b, c) : composed_op(with_relu, x, W, b, c);
    const std::vector<Var64> g = grad(std::vector<Var64>{sum(y * weights)}, std::vector<Var64>{x, W, b}, {}, true);
    return grad(std::vector<Var64>{sum(g[0] * g[0]) + sum(g[1] * g[1]) + sum(g[2] * g[2])},
                std::vector<Var64>{x, W, weights});
  };
  const auto f = second(true), c2 = second(false);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("input " << i);
    const double* pf = f[i].data().data();
    const double* pc = c2[i].data().data();
    double largest = 0;
    for (std::size_t k = 0; k < f[i].size(); ++k) largest = std::max(largest, std::abs(pc[k]));
    REQUIRE(largest > 0);
    for (std::size_t k = 0; k < f[i].size(); ++k) REQUIRE(pf[k] == Approx(pc[k]).margin(1e-12 * largest));
  }
}

TEST_CASE("conv2d_max_pool2d(_relu): errors name the op and the shapes", "[conv][pool][fused][errors]") {
  Generator gen(2);
  auto x = uniform<float>({2, 3, 8, 8}, gen, -1, 1);
  auto W = uniform<float>({4, 3, 3, 3}, gen, -1, 1);
  auto b = uniform<float>({4}, gen, -1, 1);
  REQUIRE_THROWS_WITH(conv2d_max_pool2d(x, uniform<float>({4, 2, 3, 3}, gen, -1, 1), b, 1, 0, 2, 2, 2),
                      "conv2d_max_pool2d: input (N,C,H,W)=(2,3,8,8) but W (FN,C,FH,FW)=(4,2,3,3) expects C=2");
  REQUIRE_THROWS_WITH(conv2d_max_pool2d(x, W, uniform<float>({3}, gen, -1, 1), 1, 0, 2, 2, 2),
                      "conv2d_max_pool2d: bias (3) does not match W (FN,C,FH,FW)=(4,3,3,3) (needs b (4))");
  // The ReLU variant checks the same things and names itself.
  REQUIRE_THROWS_WITH(conv2d_max_pool2d_relu(x, W, uniform<float>({3}, gen, -1, 1), 1, 0, 2, 2, 2),
                      "conv2d_max_pool2d_relu: bias (3) does not match W (FN,C,FH,FW)=(4,3,3,3) (needs b (4))");
  REQUIRE_THROWS_WITH(conv2d_max_pool2d_relu(x, W, b, 1, 0, 7, 7, 1),
                      Catch::StartsWith("conv2d_max_pool2d_relu: input (N,C,H,W)=(2,4,6,6) is smaller than the 7x7 window"));
  // The pooling is checked against the convolution's output (2,4,6,6).
  REQUIRE_THROWS_WITH(conv2d_max_pool2d(x, W, b, 1, 0, 2, 2, 2, 2),
                      Catch::StartsWith("conv2d_max_pool2d: pad 2 must be smaller than the 2x2 window") &&
                          Catch::Contains("(2,4,6,6)"));
  REQUIRE_THROWS_WITH(conv2d_max_pool2d(x, W, b, 1, 0, 7, 7, 1),
                      Catch::StartsWith("conv2d_max_pool2d: input (N,C,H,W)=(2,4,6,6) is smaller than the 7x7 window"));
  REQUIRE_THROWS_WITH(conv2d_max_pool2d(uniform<float>({2, 3, 8}, gen, -1, 1), W, b, 1, 0, 2, 2, 2),
                      Catch::StartsWith("conv2d_max_pool2d: input (2,3,8) must be 4-D"));
}

TEST_CASE("Conv2dMaxPool: the layers' result, their parameters under the same names", "[conv][pool][fused][nn]") {
  Generator gen(4);
  Conv2d<float> conv(2, 5, 3, gen, 1, 1);
  MaxPool2d<float> pool(2, 2, 2);
  Conv2dMaxPool<float> fused(conv, pool);
  // Shared, not copied: the fused layer trains the convolution's own parameters.
  REQUIRE(fused.W.data().data() == conv.W.data().data());
  REQUIRE(fused.b.data().data() == conv.b.data().data());
  std::vector<std::string> names;
  for (const auto& [name, p] : fused.named_parameters()) names.push_back(name);
  REQUIRE(names == std::vector<std::string>{"W", "b"});
  REQUIRE(fused.describe() == "Conv2d(2 -> 5, 3x3, stride 1, pad 1) + MaxPool2d(2x2, stride 2, pad 0)");
  auto x = uniform<float>({3, 2, 9, 9}, gen, -1, 1);
  REQUIRE(same_bits(fused(x).data(), pool(conv(x)).data()));
  // Built from sizes, it draws the same weights as the Conv2d it stands for.
  Generator g1(9), g2(9);
  Conv2dMaxPool<float> built(1, 30, 5, g1, 1, 0, 2, 2);
  Conv2d<float> plain(1, 30, 5, g2, 1, 0);
  REQUIRE(same_bits(built.W.data(), plain.W.data()));
  REQUIRE(built.pooling().pool_h() == 2);
  REQUIRE(built.pooling().stride() == 2);
  CHECK_FALSE(built.relu());
  // With a ReLU after the pooling: the three layers' result, the same parameters.
  ReLU<float> act;
  Conv2dMaxPool<float> with_relu(conv, pool, act);
  REQUIRE(with_relu.relu());
  REQUIRE(with_relu.W.data().data() == conv.W.data().data());
  REQUIRE(with_relu.describe() == "Conv2d(2 -> 5, 3x3, stride 1, pad 1) + MaxPool2d(2x2, stride 2, pad 0) + ReLU");
  REQUIRE(same_bits(with_relu(x).data(), act(pool(conv(x))).data()));
  REQUIRE(std::string(with_relu(x).op()) == "conv2d_max_pool2d_relu");
}
