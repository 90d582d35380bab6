// ops/conv_pool and nn/conv_pool: the fused convolution + max pooling against the two ops composed
// (values and every gradient equal bit for bit, also in eval mode, with NaNs and with several
// sample chunks), second derivatives against the composition, errors, and the layer.
#include <catch2/catch.hpp>

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

// The fused op and the composition on the same inputs: the same output and gradients, bit for bit.
template <typename T>
void check_same_as_composition(const Case& c, std::uint64_t seed, bool with_nan = false) {
  INFO(name_of(c));
  Generator gen(seed);
  auto x = uniform<T>(c.x, gen, -1, 1, true);
  auto W = uniform<T>(c.w, gen, -1, 1, true);
  auto b = c.bias ? uniform<T>({c.w[0]}, gen, -1, 1, true) : Variable<T>();
  if (with_nan) x.data().data()[x.size() / 3] = std::numeric_limits<T>::quiet_NaN();
  auto fused = conv2d_max_pool2d(x, W, b, c.stride, c.pad, c.ph, c.pw, c.pool_stride, c.pool_pad);
  auto composed = max_pool2d(conv2d(x, W, b, c.stride, c.pad), c.ph, c.pw, c.pool_stride, c.pool_pad);
  REQUIRE(same_bits(fused.data(), composed.data()));
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
  auto eval = conv2d_max_pool2d(x, W, b, c.stride, c.pad, c.ph, c.pw, c.pool_stride, c.pool_pad);
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

TEMPLATE_TEST_CASE("conv2d_max_pool2d equals max_pool2d(conv2d) bit for bit", "[conv][pool][fused]", float, double) {
  std::uint64_t seed = 11;
  for (const Case& c : kCases) check_same_as_composition<TestType>(c, seed++);
}

TEST_CASE("conv2d_max_pool2d: gradients agree with the composition at every thread count", "[conv][pool][fused]") {
  const int before = blas::threads();
  for (int threads : {1, 2, 3}) {
    INFO(threads << " threads");
    blas::set_threads(threads);
    check_same_as_composition<float>(kCases[1], 5);
  }
  blas::set_threads(before);
}

TEST_CASE("conv2d_max_pool2d: gradients for every subset of inputs that require them", "[conv][pool][fused]") {
  // Each backward branch: input gradient alone, weights without bias, bias without weights, ...
  for (int mask = 1; mask < 8; ++mask) {
    INFO("x " << (mask & 1) << ", W " << ((mask >> 1) & 1) << ", b " << ((mask >> 2) & 1) << " require grad");
    Generator gen(static_cast<std::uint64_t>(20 + mask));
    auto x = uniform<float>({4, 2, 9, 8}, gen, -1, 1, (mask & 1) != 0);
    auto W = uniform<float>({3, 2, 3, 3}, gen, -1, 1, (mask & 2) != 0);
    auto b = uniform<float>({3}, gen, -1, 1, (mask & 4) != 0);
    auto fused = conv2d_max_pool2d(x, W, b, 1, 1, 2, 2, 2);
    auto composed = max_pool2d(conv2d(x, W, b, 1, 1), 2, 2, 2);
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

TEST_CASE("conv2d_max_pool2d: a NaN propagates as in the composition", "[conv][pool][fused]") {
  check_same_as_composition<float>(kCases[0], 3, true);
  check_same_as_composition<double>(kCases[2], 4, true);
}

TEST_CASE("conv2d_max_pool2d: second derivatives match the composition", "[conv][pool][fused][gradgradcheck]") {
  Generator gen(8);
  auto x = uniform<double>({2, 2, 7, 6}, gen, -1, 1, true);
  auto W = uniform<double>({3, 2, 3, 3}, gen, -1, 1, true);
  auto b = uniform<double>({3}, gen, -1, 1, true);
  auto weights = uniform<double>({2, 3, 2, 2}, gen, -1, 1);
  // d/dx and d/dW of Σ (gW)², through the backward weight op's own backward.
  auto second = [&](bool fused) {
    auto y = fused ? conv2d_max_pool2d(x, W, b, 1, 0, 2, 2, 2) : max_pool2d(conv2d(x, W, b, 1, 0), 2, 2, 2);
    auto gW = grad(sum(y * weights), W, true);
    auto gx = grad(sum(y * weights), x, true);
    return grad(std::vector<Var64>{sum(gW * gW) + sum(gx * gx)}, {x, W});
  };
  const auto f = second(true), c = second(false);
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("input " << i);
    const double* pf = f[i].data().data();
    const double* pc = c[i].data().data();
    double largest = 0;
    for (std::size_t k = 0; k < f[i].size(); ++k) largest = std::max(largest, std::abs(pc[k]));
    REQUIRE(largest > 0);
    for (std::size_t k = 0; k < f[i].size(); ++k) REQUIRE(pf[k] == Approx(pc[k]).margin(1e-12 * largest));
  }
}

TEST_CASE("conv2d_max_pool2d: errors name the op and the shapes", "[conv][pool][fused][errors]") {
  Generator gen(2);
  auto x = uniform<float>({2, 3, 8, 8}, gen, -1, 1);
  auto W = uniform<float>({4, 3, 3, 3}, gen, -1, 1);
  auto b = uniform<float>({4}, gen, -1, 1);
  REQUIRE_THROWS_WITH(conv2d_max_pool2d(x, uniform<float>({4, 2, 3, 3}, gen, -1, 1), b, 1, 0, 2, 2, 2),
                      "conv2d_max_pool2d: input (N,C,H,W)=(2,3,8,8) but W (FN,C,FH,FW)=(4,2,3,3) expects C=2");
  REQUIRE_THROWS_WITH(conv2d_max_pool2d(x, W, uniform<float>({3}, gen, -1, 1), 1, 0, 2, 2, 2),
                      "conv2d_max_pool2d: bias (3) does not match W (FN,C,FH,FW)=(4,3,3,3) (needs b (4))");
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
}
