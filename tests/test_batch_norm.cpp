// Batch norm: the op's values and gradients against a composite oracle, train vs eval behaviour of
// the module, running statistics, buffers in checkpoints, and error messages.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

#include <minidl/check/catch_gradcheck.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

// The textbook formula from primitive ops: the oracle the fused op must match.
Var64 composite_bn(const Var64& x, const Var64& gamma, const Var64& beta, double eps) {
  std::vector<int> axes{0};
  for (std::size_t i = 2; i < x.ndim(); ++i) axes.push_back(static_cast<int>(i));
  Shape bs(x.ndim() - 1, 1);
  bs[0] = gamma.shape()[0];
  const Var64 mu = mean(x, axes, true);
  const Var64 xc = x - mu;
  const Var64 var = mean(xc * xc, axes, true);
  return reshape(gamma, bs) * (xc / sqrt(var + eps)) + reshape(beta, bs);
}

// Per-channel mean and biased variance of a float tensor (N,C,...) computed in double.
void channel_stats(const Tensor<float>& y, std::vector<double>& mean_out, std::vector<double>& var_out) {
  const std::size_t N = y.shape(0), C = y.shape(1), S = y.size() / (N * C);
  mean_out.assign(C, 0.0);
  var_out.assign(C, 0.0);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t s = 0; s < S; ++s) mean_out[c] += y.data()[(n * C + c) * S + s];
  for (auto& m : mean_out) m /= static_cast<double>(N * S);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t s = 0; s < S; ++s) {
        const double d = y.data()[(n * C + c) * S + s] - mean_out[c];
        var_out[c] += d * d;
      }
  for (auto& v : var_out) v /= static_cast<double>(N * S);
}

}  // namespace

TEST_CASE("batch_norm matches the composite formula in value and gradient", "[batch_norm]") {
  for (const Shape& xs : {Shape{6, 4}, Shape{4, 3, 2, 5}}) {
    Generator g(10);
    const std::size_t C = xs[1];
    const Var64 x = uniform<double>(xs, g, -3, 3, true);
    const Var64 gamma = uniform<double>({C}, g, 0.5, 2.0, true);
    const Var64 beta = uniform<double>({C}, g, -1, 1, true);
    const Var64 w = uniform<double>(xs, g, -1, 1);
    const Var64 xo = x.detach().set_requires_grad(), go = gamma.detach().set_requires_grad(),
                bo = beta.detach().set_requires_grad();

    const Var64 y = batch_norm(x, gamma, beta);
    const Var64 yo = composite_bn(xo, go, bo, kBatchNormEps);
    REQUIRE(y.shape() == xs);
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(y.data().data()[i] == Approx(yo.data().data()[i]).margin(1e-12));

    sum(y * w).backward();
    sum(yo * w).backward();
    for (std::size_t i = 0; i < x.size(); ++i)
      REQUIRE(x.grad().data().data()[i] == Approx(xo.grad().data().data()[i]).margin(1e-10));
    for (std::size_t c = 0; c < C; ++c) {
      CHECK(gamma.grad().data()(c) == Approx(go.grad().data()(c)).margin(1e-10));
      CHECK(beta.grad().data()(c) == Approx(bo.grad().data()(c)).margin(1e-10));
    }
    // The x gradient is not trivially zero, so the comparison above means something.
    CHECK(xt::amax(xt::abs(x.grad().data()))() > 0.05);
  }
}

TEST_CASE("sum(batch_norm(x)) has a zero gradient with respect to x", "[batch_norm]") {
  // Why the gradcheck rows use a weighted sum: each channel's outputs sum to N·β whatever x is.
  Generator g(2);
  const Var64 x = uniform<double>({5, 3}, g, -2, 2, true);
  const Var64 gamma = uniform<double>({3}, g, 0.5, 2, true);
  const Var64 beta = zeros<double>({3}, true);
  sum(batch_norm(x, gamma, beta)).backward();
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(x.grad().data().data()[i] == Approx(0.0).margin(1e-12));
  for (std::size_t c = 0; c < 3; ++c) CHECK(beta.grad().data()(c) == Approx(5.0));
}

TEST_CASE("batch_norm gradients pass gradcheck and gradgradcheck (create_graph path)", "[batch_norm][gradcheck]") {
  Generator g(3);
  const Var64 x = uniform<double>({4, 3}, g, -2, 2, true);
  const Var64 gamma = uniform<double>({3}, g, 0.5, 1.5, true);
  const Var64 beta = uniform<double>({3}, g, -1, 1, true);
  auto f = [](const std::vector<Var64>& v) { return batch_norm(v[0], v[1], v[2]); };
  MINIDL_REQUIRE_GRADCHECK(f, {x, gamma, beta});
  // y is linear in β and no first derivative depends on β, so β's second-order terms are exactly
  // zero: check second derivatives with respect to x and γ (β held constant).
  MINIDL_REQUIRE_GRADGRADCHECK(f, {x, gamma, beta.detach()});

  const Var64 x4 = uniform<double>({3, 2, 2, 2}, g, -2, 2, true);
  const Var64 g4 = uniform<double>({2}, g, 0.5, 1.5, true);
  const Var64 b4 = uniform<double>({2}, g, -1, 1, true);
  MINIDL_REQUIRE_GRADCHECK(f, {x4, g4, b4});
  MINIDL_REQUIRE_GRADGRADCHECK(f, {x4, g4, b4.detach()});

  auto fe = [](const std::vector<Var64>& v) {
    return batch_norm_eval(v[0], v[1], v[2], Tensor<double>{0.2, -0.1}, Tensor<double>{0.7, 1.3});
  };
  MINIDL_REQUIRE_GRADGRADCHECK(fe, {x4, g4, b4.detach()});
}

TEST_CASE("batch_norm in training mode gives per-feature mean 0 and variance 1", "[batch_norm]") {
  for (const Shape& xs : {Shape{64, 10}, Shape{8, 3, 5, 5}}) {
    Generator g(4);
    const std::size_t C = xs[1];
    // Features with very different means and scales.
    Var x = randn<float>(xs, g, 0.0, 1.0);
    Tensor<float>& d = x.data();
    const std::size_t S = d.size() / (xs[0] * C);
    for (std::size_t i = 0; i < d.size(); ++i) {
      const std::size_t c = (i / S) % C;
      d.data()[i] = d.data()[i] * static_cast<float>(1 + 3 * c) + static_cast<float>(10.0 * c - 7);
    }
    BatchNormStats<float> stats;
    const Var y = batch_norm(x, ones<float>({C}), zeros<float>({C}), kBatchNormEps, &stats);
    std::vector<double> ym, yv, xm, xv;
    channel_stats(y.data(), ym, yv);
    channel_stats(x.data(), xm, xv);
    for (std::size_t c = 0; c < C; ++c) {
      CHECK(ym[c] == Approx(0.0).margin(1e-5));
      CHECK(yv[c] == Approx(1.0).epsilon(1e-4));
      CHECK(stats.mean(c) == Approx(xm[c]).epsilon(1e-5));
      CHECK(stats.var(c) == Approx(xv[c]).epsilon(1e-4));
    }
  }
}

TEST_CASE("batch_norm reports shape errors clearly", "[batch_norm]") {
  const Var x = zeros<float>({4, 3});
  CHECK_THROWS_WITH(batch_norm(zeros<float>({5}), ones<float>({5}), zeros<float>({5})),
                    "batch_norm: x must be (N,C) or (N,C,H,W), got (5)");
  CHECK_THROWS_WITH(batch_norm(x, ones<float>({5}), zeros<float>({3})),
                    "batch_norm: x (4,3) has 3 channels, so gamma and beta must be (3), got gamma (5) and beta (3)");
  CHECK_THROWS_WITH(batch_norm(zeros<float>({1, 3}), ones<float>({3}), zeros<float>({3})),
                    Catch::Contains("more than one value per channel, got x (1,3)"));
  CHECK_THROWS_WITH(batch_norm_eval(x, ones<float>({3}), zeros<float>({3}), zeros_tensor<float>({2}), zeros_tensor<float>({3})),
                    Catch::Contains("batch_norm_eval: x (4,3) needs running_mean and running_var (3), got (2) and (3)"));
  BatchNorm<float> bn(100);
  CHECK_THROWS_WITH(bn(zeros<float>({4, 50})), "BatchNorm(100): x (4,50) has 50 channels, expected 100");
  CHECK_THROWS_AS(BatchNorm<float>(0), std::invalid_argument);
  CHECK_THROWS_AS(BatchNorm<float>(3, 1.5), std::invalid_argument);
}

TEST_CASE("BatchNorm registers gamma/beta parameters and running statistics buffers", "[batch_norm][nn]") {
  BatchNorm<float> bn(4);
  const auto params = bn.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "gamma");
  CHECK(params[1].first == "beta");
  CHECK((params[0].second.data() == xt::ones<float>({4})));
  const auto buffers = bn.named_buffers();
  REQUIRE(buffers.size() == 2);
  CHECK(buffers[0].first == "running_mean");
  CHECK(buffers[1].first == "running_var");
  CHECK_FALSE(buffers[0].second.requires_grad());
  CHECK((bn.running_var.data() == xt::ones<float>({4})));
  CHECK(bn.momentum() == 0.9);
  CHECK(bn.eps() == kBatchNormEps);
  CHECK(bn.describe() == "BatchNorm(4)");
}

TEST_CASE("BatchNorm updates running statistics with momentum in training mode only", "[batch_norm][nn]") {
  BatchNorm<double> bn(3);
  Generator g(6);
  const Var64 x1 = randn<double>({16, 3}, g, 2.0, 3.0);
  const Var64 x2 = randn<double>({16, 3}, g, -1.0, 0.5);
  BatchNormStats<double> s1, s2;
  batch_norm(x1, bn.gamma, bn.beta, kBatchNormEps, &s1);
  batch_norm(x2, bn.gamma, bn.beta, kBatchNormEps, &s2);

  bn(x1);
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(bn.running_mean.data()(c) == Approx(0.1 * s1.mean(c)));
    CHECK(bn.running_var.data()(c) == Approx(0.9 * 1.0 + 0.1 * s1.var(c)));
  }
  bn(x2);
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(bn.running_mean.data()(c) == Approx(0.9 * 0.1 * s1.mean(c) + 0.1 * s2.mean(c)));
    CHECK(bn.running_var.data()(c) == Approx(0.9 * (0.9 + 0.1 * s1.var(c)) + 0.1 * s2.var(c)));
  }
  // Eval mode leaves them alone.
  const Tensor<double> rm = bn.running_mean.data(), rv = bn.running_var.data();
  bn.eval();
  bn(x1);
  CHECK((bn.running_mean.data() == rm));
  CHECK((bn.running_var.data() == rv));
  // Under NoGradGuard, training mode still updates (it is a training step without a graph).
  bn.train();
  {
    NoGradGuard ng;
    bn(x1);
  }
  CHECK((bn.running_mean.data() != rm));
}

TEST_CASE("BatchNorm in eval mode uses running statistics and is deterministic per example", "[batch_norm][nn]") {
  BatchNorm<double> bn(2);
  bn.running_mean.data() = Tensor<double>{1.0, -2.0};
  bn.running_var.data() = Tensor<double>{4.0, 0.25};
  bn.gamma.data() = Tensor<double>{2.0, 1.0};
  bn.beta.data() = Tensor<double>{0.5, 0.0};
  bn.eval();
  const Var64 x = variable<double>({{3.0, -1.0}, {1.0, -2.0}, {0.0, 0.0}});
  const Var64 y = bn(x);
  const double e = kBatchNormEps;
  CHECK(y.data()(0, 0) == Approx(2.0 * (3.0 - 1.0) / std::sqrt(4.0 + e) + 0.5));
  CHECK(y.data()(0, 1) == Approx((-1.0 + 2.0) / std::sqrt(0.25 + e)));
  CHECK(y.data()(1, 0) == Approx(0.5));
  CHECK(y.data()(2, 1) == Approx(2.0 / std::sqrt(0.25 + e)));
  CHECK((bn(x).data() == y.data()));
  // A batch of one gives the same row as inside the batch (training mode would refuse it).
  const Var64 row = variable<double>({{3.0, -1.0}});
  CHECK((bn(row).data()(0, 0) == y.data()(0, 0)));
  CHECK((bn(row).data()(0, 1) == y.data()(0, 1)));

  // (N,C,H,W) in eval mode: per-channel affine map.
  BatchNorm<double> bn4(2);
  bn4.running_mean.data() = Tensor<double>{1.0, -1.0};
  bn4.eval();
  const Var64 x4 = full<double>({2, 2, 3, 3}, 1.0);
  const Var64 y4 = bn4(x4);
  CHECK(y4.data()(1, 0, 2, 2) == Approx(0.0).margin(1e-12));
  CHECK(y4.data()(0, 1, 1, 0) == Approx(2.0 / std::sqrt(1.0 + e)));
}

TEST_CASE("BatchNorm buffers round-trip through save_checkpoint/load_checkpoint", "[batch_norm][checkpoint]") {
  Generator g(12);
  BatchNorm<float> a(3);
  for (int i = 0; i < 5; ++i) a(randn<float>({8, 3, 2, 2}, g, 1.0, 2.0));
  a.gamma.data() = Tensor<float>{1.5f, 0.5f, 2.0f};
  const std::string path = "minidl_test_batch_norm_" + std::to_string(::getpid()) + ".ckpt";
  save_checkpoint(a, path);

  BatchNorm<float> b(3);
  REQUIRE((b.running_mean.data() != a.running_mean.data()));
  load_checkpoint(b, path);
  std::remove(path.c_str());
  CHECK((b.running_mean.data() == a.running_mean.data()));
  CHECK((b.running_var.data() == a.running_var.data()));
  CHECK((b.gamma.data() == a.gamma.data()));
  a.eval();
  b.eval();
  const Var x = randn<float>({4, 3, 2, 2}, g);
  CHECK((a(x).data() == b(x).data()));
}

TEST_CASE("batch_norm float training matches double", "[batch_norm]") {
  Generator g(13);
  const Var64 xd = randn<double>({32, 5}, g, 3.0, 2.0, true);
  const Var xf(xt::cast<float>(xd.data()), true);
  const Var64 gd = ones<double>({5}, true), bd = zeros<double>({5}, true);
  const Var gf = ones<float>({5}, true), bf = zeros<float>({5}, true);
  const Var64 wd = randn<double>({32, 5}, g);
  const Var wf(xt::cast<float>(wd.data()));
  sum(batch_norm(xd, gd, bd) * wd).backward();
  sum(batch_norm(xf, gf, bf) * wf).backward();
  for (std::size_t i = 0; i < xd.size(); ++i)
    CHECK(xf.grad().data().data()[i] == Approx(xd.grad().data().data()[i]).margin(1e-4));
  for (std::size_t c = 0; c < 5; ++c) CHECK(gf.grad().data()(c) == Approx(gd.grad().data()(c)).margin(1e-4));
}
