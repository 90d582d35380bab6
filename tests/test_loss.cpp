// ops/loss: the book's worked examples, gradients, label checks, NaN detection, and the fused
// losses against composite oracles built from primitive ops (which live only here).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <minidl/minidl.hpp>
#include <xtensor/xmath.hpp>

using namespace minidl;

namespace {

// The book's example (chapter 4.2): the correct class is 2.
const Tensor<double> kT = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
const Tensor<double> kY1 = {0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0};
const Tensor<double> kY2 = {0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0};

// Rounds to 4 decimals, the precision the book prints.
double r4(double v) { return std::round(v * 1e4) / 1e4; }

template <typename T>
Tensor<T> onehot(std::size_t n, std::size_t c, const std::vector<std::size_t>& labels) {
  Tensor<T> t = zeros_tensor<T>({n, c});
  for (std::size_t i = 0; i < n; ++i) t(i, labels[i]) = T(1);
  return t;
}

// Composite oracle: −Σ t·log_softmax(x) / N from primitive ops.
template <typename T>
Variable<T> composite_sce(const Variable<T>& x, const Variable<T>& t) {
  const double n = x.ndim() == 1 ? 1.0 : double(x.shape()[0]);
  return mul_scalar(sum_to(mul(t, log_softmax(x)), Shape{}), -1.0 / n);
}

// Composite oracle for the book's cross_entropy_error: −Σ t·log(y + 1e-7) / N.
template <typename T>
Variable<T> composite_cee(const Variable<T>& y, const Variable<T>& t) {
  const double n = y.ndim() == 1 ? 1.0 : double(y.shape()[0]);
  return mul_scalar(sum_to(mul(t, log(add_scalar(y, 1e-7))), Shape{}), -1.0 / n);
}

template <typename T>
void require_close(const Tensor<T>& a, const Tensor<T>& b, double rel, double margin) {
  REQUIRE(a.shape() == b.shape());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("element " << i);
    REQUIRE(double(a.data()[i]) == Approx(double(b.data()[i])).epsilon(rel).margin(margin));
  }
}

}  // namespace

TEST_CASE("book 4.2: sum_squared_error and cross_entropy_error worked examples", "[loss][book]") {
  Var64 t(kT);
  REQUIRE(r4(sum_squared_error(Var64(kY1), t).item()) == 0.0975);
  REQUIRE(r4(sum_squared_error(Var64(kY2), t).item()) == 0.5975);
  REQUIRE(r4(cross_entropy_error(Var64(kY1), t).item()) == 0.5108);
  REQUIRE(r4(cross_entropy_error(Var64(kY2), t).item()) == 2.3026);
  // The label form, 1-D y as a batch of one, like the book.
  REQUIRE(r4(cross_entropy_error(Var64(kY1), std::vector<std::size_t>{2}).item()) == 0.5108);
  REQUIRE(r4(cross_entropy_error(Var64(kY2), std::vector<std::size_t>{2}).item()) == 2.3026);
  // float32 reproduces them too.
  Var t32(Tensor<float>(xt::cast<float>(kT)));
  Var y32(Tensor<float>(xt::cast<float>(kY1)));
  REQUIRE(sum_squared_error(y32, t32).item() == Approx(0.0975).margin(5e-6));
  REQUIRE(cross_entropy_error(y32, t32).item() == Approx(0.5108256).margin(5e-6));
  // A batch of both examples is their mean.
  Tensor<double> both = Tensor<double>::from_shape({2, 10});
  std::copy(kY1.begin(), kY1.end(), both.begin());
  std::copy(kY2.begin(), kY2.end(), both.begin() + 10);
  Var64 yb(both);
  REQUIRE(cross_entropy_error(yb, std::vector<std::size_t>{2, 2}).item() ==
          Approx((-std::log(0.6 + 1e-7) - std::log(0.1 + 1e-7)) / 2));
  REQUIRE(cross_entropy_error(yb, std::vector<std::size_t>{2, 2}).shape() == Shape{});
}

TEST_CASE("squared errors: conventions and gradients", "[loss]") {
  Var64 y(Tensor<double>{{1, 2}, {3, 5}}, true);
  Var64 t(Tensor<double>{{0, 2}, {1, 1}}, true);
  // SSE = ½ Σ (y−t)² = ½ (1 + 0 + 4 + 16); MSE = Σ (y−t)² / 4, no ½.
  Var64 sse = sum_squared_error(y, t);
  REQUIRE(sse.shape() == Shape{});
  REQUIRE(sse.item() == 10.5);
  REQUIRE(mean_squared_error(y, t).item() == 5.25);
  sse.backward();
  REQUIRE((y.grad().data() == Tensor<double>{{1, 0}, {2, 4}}));
  REQUIRE((t.grad().data() == Tensor<double>{{-1, 0}, {-2, -4}}));
  y.clear_grad();
  t.clear_grad();
  mean_squared_error(y, t).backward();
  REQUIRE((y.grad().data() == Tensor<double>{{0.5, 0}, {1, 2}}));
  REQUIRE((t.grad().data() == Tensor<double>{{-0.5, 0}, {-1, -2}}));

  REQUIRE_THROWS_MATCHES(sum_squared_error(y, Var64(Tensor<double>{1, 2})), std::invalid_argument,
                         Catch::Message("sum_squared_error: y (2,2) and t (2) must have the same shape"));
  REQUIRE_THROWS_AS(mean_squared_error(y, Var64(Tensor<double>{1, 2})), std::invalid_argument);
  for (auto f : {&sum_squared_error<double>, &mean_squared_error<double>}) {
    const GradcheckReport r =
        gradgradcheck([f](const std::vector<Var64>& v) { return f(v[0], v[1]); },
                      {uniform<double>({3, 4}, -1, 1, true), uniform<double>({3, 4}, -1, 1, true)});
    INFO(r.str());
    REQUIRE(r.passed);
  }
}

TEST_CASE("cross_entropy_error: gradients, one-hot vs labels, composite oracle", "[loss]") {
  const std::vector<std::size_t> labels = {1, 0, 3};
  Var64 y = uniform<double>({3, 4}, 0.1, 1.0, true);
  Var64 t(onehot<double>(3, 4, labels));
  Var64 a = cross_entropy_error(y, t);
  a.backward();
  const Tensor<double> g_onehot = y.grad().data();
  // gy = −t / (y + 1e-7) / N
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(g_onehot(i, labels[i]) == Approx(-1.0 / (y.data()(i, labels[i]) + 1e-7) / 3.0));
  }
  REQUIRE(g_onehot(0, 0) == 0.0);
  y.clear_grad();
  Var64 b = cross_entropy_error(y, labels);
  REQUIRE(b.item() == Approx(a.item()).epsilon(1e-14));
  b.backward();
  require_close(y.grad().data(), g_onehot, 1e-14, 0);
  y.clear_grad();
  Var64 c = composite_cee(y, t);
  REQUIRE(c.item() == Approx(a.item()).epsilon(1e-14));
  c.backward();
  require_close(y.grad().data(), g_onehot, 1e-12, 0);

  // The target's gradient (soft targets) and second derivatives.
  const GradcheckReport r =
      gradgradcheck([](const std::vector<Var64>& v) { return cross_entropy_error(v[0], v[1]); },
                    {uniform<double>({2, 3}, 0.1, 1, true), uniform<double>({2, 3}, 0.1, 1, true)});
  INFO(r.str());
  REQUIRE(r.passed);
  const GradcheckReport rl =
      gradgradcheck([labels](const std::vector<Var64>& v) { return cross_entropy_error(v[0], labels); },
                    {uniform<double>({3, 4}, 0.1, 1, true)});
  INFO(rl.str());
  REQUIRE(rl.passed);
}

TEST_CASE("softmax_cross_entropy (labels): fused vs composite in float64 and float32", "[loss][fused]") {
  const std::vector<std::size_t> labels = {3, 0, 9, 9, 5};
  Var64 x = uniform<double>({5, 10}, -4, 4, true);
  Var64 fused = softmax_cross_entropy(x, labels);
  REQUIRE(fused.shape() == Shape{});
  fused.backward();
  const Tensor<double> g_fused = x.grad().data();
  x.clear_grad();
  Var64 comp = composite_sce(x, Var64(onehot<double>(5, 10, labels)));
  comp.backward();
  REQUIRE(fused.item() == Approx(comp.item()).epsilon(1e-13));
  require_close(g_fused, x.grad().data(), 1e-12, 1e-15);

  // The book's SoftmaxWithLoss backward is (softmax − onehot)/N, checked directly.
  Tensor<double> expect = softmax(Var64(x.data())).data();
  for (std::size_t i = 0; i < 5; ++i) expect(i, labels[i]) -= 1.0;
  expect /= 5.0;
  require_close(g_fused, expect, 1e-12, 1e-15);

  // float32 agrees with the float64 result within single precision.
  Var x32(Tensor<float>(xt::cast<float>(x.data())), true);
  Var f32 = softmax_cross_entropy(x32, labels);
  f32.backward();
  REQUIRE(f32.item() == Approx(fused.item()).epsilon(1e-5));
  require_close(Tensor<double>(xt::cast<double>(x32.grad().data())), g_fused, 1e-4, 1e-6);
  Var x32c(Tensor<float>(x32.data()), true);
  Var c32 = composite_sce(x32c, Var(onehot<float>(5, 10, labels)));
  c32.backward();
  REQUIRE(c32.item() == Approx(f32.item()).epsilon(1e-5));
  require_close(x32c.grad().data(), x32.grad().data(), 1e-4, 1e-6);

  // Against the book's pipeline cross_entropy_error(softmax(x)): equal up to its 1e-7 delta, which
  // shifts each log p by about 1e-7/p (p can be ~1e-3 here).
  const Tensor<double> p = softmax(Var64(x.data())).data();
  double delta_bound = 0;
  for (std::size_t i = 0; i < 5; ++i) delta_bound += 1e-7 / p(i, labels[i]) / 5.0;
  const double book = cross_entropy_error(softmax(Var64(x.data())), labels).item();
  REQUIRE(book < fused.item());
  REQUIRE(fused.item() - book <= delta_bound);
}

TEST_CASE("softmax_cross_entropy (targets): fused vs composite, soft targets and their gradient", "[loss][fused]") {
  Var64 x = uniform<double>({4, 6}, -3, 3, true);
  Var64 t = softmax(uniform<double>({4, 6}, -1, 1)).detach().set_requires_grad(true);  // rows sum to 1
  Var64 fused = softmax_cross_entropy(x, t);
  fused.backward();
  const Tensor<double> gx = x.grad().data(), gt = t.grad().data();
  x.clear_grad();
  t.clear_grad();
  Var64 comp = composite_sce(x, t);
  comp.backward();
  REQUIRE(fused.item() == Approx(comp.item()).epsilon(1e-13));
  require_close(gx, x.grad().data(), 1e-12, 1e-15);
  require_close(gt, t.grad().data(), 1e-12, 1e-15);

  // One-hot targets give the same loss as the labels overload.
  const std::vector<std::size_t> labels = {1, 5, 0, 2};
  REQUIRE(softmax_cross_entropy(Var64(x.data()), Var64(onehot<double>(4, 6, labels))).item() ==
          Approx(softmax_cross_entropy(Var64(x.data()), labels).item()).epsilon(1e-14));
  // 1-D logits are a batch of one.
  Var64 x1(Tensor<double>{0.3, -1.2, 2.0}, true);
  Var64 l1 = softmax_cross_entropy(x1, std::vector<std::size_t>{2});
  REQUIRE(l1.item() == Approx(-log_softmax(Var64(x1.data())).data()(2)));
  l1.backward();
  REQUIRE(x1.grad().shape() == Shape{3});
  REQUIRE(x1.grad().data()(2) == Approx(softmax(Var64(x1.data())).data()(2) - 1.0));
}

TEST_CASE("softmax_cross_entropy: cached and create_graph backward agree; second derivatives", "[loss][higher-order]") {
  const std::vector<std::size_t> labels = {2, 0, 1};
  Var64 x = uniform<double>({3, 4}, -2, 2, true);
  Var64 cached = grad(softmax_cross_entropy(x, labels), x, /*create_graph=*/false);
  Var64 recorded = grad(softmax_cross_entropy(x, labels), x, /*create_graph=*/true);
  REQUIRE(recorded.requires_grad());  // really went through the differentiable path
  require_close(cached.data(), recorded.data(), 1e-13, 1e-16);

  Var64 t = softmax(uniform<double>({3, 4}, -1, 1)).detach();
  require_close(grad(softmax_cross_entropy(x, t), x, false).data(), grad(softmax_cross_entropy(x, t), x, true).data(),
                1e-13, 1e-16);

  const GradcheckReport r1 =
      gradgradcheck([labels](const std::vector<Var64>& v) { return softmax_cross_entropy(v[0], labels); },
                    {uniform<double>({3, 4}, -2, 2, true)});
  INFO(r1.str());
  REQUIRE(r1.passed);
  const GradcheckReport r2 =
      gradgradcheck([](const std::vector<Var64>& v) { return softmax_cross_entropy(v[0], v[1]); },
                    {uniform<double>({3, 4}, -2, 2, true), uniform<double>({3, 4}, 0.1, 1, true)});
  INFO(r2.str());
  REQUIRE(r2.passed);
  // Loss Hessian–vector style check against the composite: d/dx of <∇loss, w> must match.
  Var64 w = uniform<double>({3, 4}, -1, 1);
  Var64 onehot_t(onehot<double>(3, 4, labels));
  Var64 h_fused = grad(sum_to(mul(grad(softmax_cross_entropy(x, labels), x, true), w), Shape{}), x);
  Var64 h_comp = grad(sum_to(mul(grad(composite_sce(x, onehot_t), x, true), w), Shape{}), x);
  require_close(h_fused.data(), h_comp.data(), 1e-10, 1e-14);
}

TEST_CASE("softmax_cross_entropy is stable at logits of 1000", "[loss][stability]") {
  Var64 x(Tensor<double>{{1000, 0, -1000}, {1000, 1000, 1000}}, true);
  Var64 l = softmax_cross_entropy(x, std::vector<std::size_t>{1, 2});
  // Row 0: lse = 1000, loss 1000; row 1: log 3.
  REQUIRE(l.item() == Approx((1000.0 + std::log(3.0)) / 2));
  l.backward();
  REQUIRE(x.grad().data()(0, 0) == Approx(0.5));
  REQUIRE(x.grad().data()(0, 1) == Approx(-0.5));
  REQUIRE(x.grad().data()(1, 2) == Approx((1.0 / 3 - 1) / 2));
  Var x32(Tensor<float>{{1000, 0, -1000}}, true);
  REQUIRE(softmax_cross_entropy(x32, std::vector<std::size_t>{0}).item() == Approx(0.0).margin(1e-6));
  REQUIRE(softmax_cross_entropy(x32, std::vector<std::size_t>{2}).item() == Approx(2000.0));
}

TEST_CASE("losses with labels: count and range errors name label, index and class count", "[loss][errors]") {
  Var64 x = uniform<double>({2, 10}, 0.1, 1, true);
  REQUIRE_THROWS_MATCHES(softmax_cross_entropy(x, std::vector<std::size_t>{3, 10}), std::invalid_argument,
                         Catch::Message("softmax_cross_entropy: label 10 at index 1 is out of range for 10 classes "
                                        "(logits (2,10))"));
  REQUIRE_THROWS_MATCHES(softmax_cross_entropy(x, std::vector<std::size_t>{3, 1, 2}), std::invalid_argument,
                         Catch::Message("softmax_cross_entropy: 3 labels for a batch of 2 (logits (2,10))"));
  REQUIRE_THROWS_MATCHES(cross_entropy_error(x, std::vector<std::size_t>{99, 0}), std::invalid_argument,
                         Catch::Message("cross_entropy_error: label 99 at index 0 is out of range for 10 classes "
                                        "(y (2,10))"));
  REQUIRE_THROWS_AS(cross_entropy_error(Var64(kY1), std::vector<std::size_t>{2, 2}), std::invalid_argument);
  REQUIRE_THROWS_MATCHES(softmax_cross_entropy(x, Var64(zeros_tensor<double>({2, 9}))), std::invalid_argument,
                         Catch::Message("softmax_cross_entropy: logits (2,10) and t (2,9) must have the same shape"));
  REQUIRE_THROWS_MATCHES(softmax_cross_entropy(Var64(zeros_tensor<double>({2, 2, 2})), std::vector<std::size_t>{0, 0}),
                         std::invalid_argument,
                         Catch::Message("softmax_cross_entropy: logits must be (C) or (N,C), got (2,2,2)"));
}

TEST_CASE("losses: a NaN/inf loss throws std::domain_error naming the op and the culprit", "[loss][nan]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Tensor<double> x = {{0.1, 0.2, 0.3}, {0.4, 0.5, 0.6}};
  x(1, 2) = nan;
  REQUIRE_THROWS_MATCHES(softmax_cross_entropy(Var64(x), std::vector<std::size_t>{0, 1}), std::domain_error,
                         Catch::Message("softmax_cross_entropy: loss is NaN (logits contain NaN at (1,2))"));
  x(1, 2) = 0.6;
  x(0, 1) = inf;
  REQUIRE_THROWS_MATCHES(softmax_cross_entropy(Var64(x), std::vector<std::size_t>{0, 1}), std::domain_error,
                         Catch::Message("softmax_cross_entropy: loss is NaN (logits contain inf at (0,1))"));
  x(0, 1) = 0.2;
  Tensor<double> t = {{0, 1, 0}, {inf, 0, 0}};
  REQUIRE_THROWS_MATCHES(softmax_cross_entropy(Var64(x), Var64(t)), std::domain_error,
                         Catch::Message("softmax_cross_entropy: loss is inf (targets contain inf at (1,0))"));
  // Float32 too, and a NaN in a row whose label is elsewhere still poisons that row's lse.
  Var x32(Tensor<float>{{1, std::nanf(""), 3}});
  REQUIRE_THROWS_AS(softmax_cross_entropy(x32, std::vector<std::size_t>{0}), std::domain_error);

  REQUIRE_THROWS_MATCHES(sum_squared_error(Var64(Tensor<double>{1, nan}), Var64(Tensor<double>{1, 2})),
                         std::domain_error, Catch::Message("sum_squared_error: loss is NaN (y contains NaN at (1))"));
  REQUIRE_THROWS_MATCHES(
      cross_entropy_error(Var64(Tensor<double>{0.5, -0.5}), std::vector<std::size_t>{1}), std::domain_error,
      Catch::Message("cross_entropy_error: loss is NaN (y + 1e-7 <= 0 at (1): y must be probabilities)"));
  // A finite loss does not throw, even with exact zeros in y (the 1e-7 delta).
  REQUIRE(std::isfinite(cross_entropy_error(Var64(kY1), std::vector<std::size_t>{3}).item()));
}

TEST_CASE("softmax_cross_entropy on (N,T,V) with integer ids equals the (N*T,V) form over kept positions",
          "[loss][sequence]") {
  Generator gen(7);
  Var64 x = uniform<double>({2, 3, 4}, gen, -2.0, 2.0, true);
  const IndexTensor ids = {{3, 0, -100}, {1, -100, 2}};
  Var64 seq = softmax_cross_entropy(x, ids);
  // Oracle: the (N,C) form on the four kept rows only.
  Var64 rows = reshape(x, Shape{6, 4});
  Var64 kept = gather_rows(rows, {0, 1, 3, 5});
  Var64 flat = softmax_cross_entropy(kept, std::vector<std::size_t>{3, 0, 1, 2});
  CHECK(seq.item() == Approx(flat.item()).epsilon(1e-12));
  Var64 g_seq = grad(seq, x);
  Var64 g_flat = grad(flat, x);
  for (std::size_t k = 0; k < g_seq.size(); ++k) {
    CHECK(g_seq.data().data()[k] == Approx(g_flat.data().data()[k]).margin(1e-14));
  }
  // Ignored positions get exactly zero gradient.
  for (std::size_t j = 0; j < 4; ++j) {
    CHECK(g_seq.data()(0, 2, j) == 0.0);
    CHECK(g_seq.data()(1, 1, j) == 0.0);
  }
}

TEST_CASE("softmax_cross_entropy with ids: stable at ±1000, all-ignored is 0, errors name the label", "[loss][sequence]") {
  Var x32 = variable<float>({{{1000.f, -1000.f}, {0.f, 0.f}}}, true);  // (1,2,2)
  CHECK(softmax_cross_entropy(x32, IndexTensor{{0, 1}}).item() == Approx((0.0 + std::log(2.0)) / 2).epsilon(1e-6));
  Var all_ignored = softmax_cross_entropy(x32, IndexTensor{{-100, -100}});
  CHECK(all_ignored.item() == 0.f);
  all_ignored.backward();
  CHECK((x32.grad().data() == Tensor<float>{{{0, 0}, {0, 0}}}));
  REQUIRE_THROWS_WITH(softmax_cross_entropy(x32, IndexTensor{{0, 2}}),
                      Catch::Matchers::Contains("label 2 at (0,1) is out of range for 2 classes"));
  REQUIRE_THROWS_AS(softmax_cross_entropy(x32, IndexTensor{{0, 2}}), std::invalid_argument);
  REQUIRE_THROWS_WITH(softmax_cross_entropy(x32, IndexTensor{0, 1}),
                      Catch::Matchers::Contains("labels (2) must be the logits' shape (1,2,2) without"));
}

TEST_CASE("cross_entropy_error with IndexTensor labels equals the size_t form; bad ids are named", "[loss][index]") {
  Var64 y = uniform<double>({3, 4}, 0.1, 1.0, true);
  Var64 a = cross_entropy_error(y, IndexTensor{1, 0, 3});
  Var64 b = cross_entropy_error(y, std::vector<std::size_t>{1, 0, 3});
  CHECK(a.item() == b.item());
  Var64 ga = grad(a, y), gb = grad(b, y);
  CHECK((ga.data() == gb.data()));
  // One example (C) takes a 0-d or a (1) label.
  Var64 one = variable<double>({0.1, 0.7, 0.2});
  CHECK(cross_entropy_error(one, IndexTensor(xt::xarray<Index>(1))).item() == Approx(-std::log(0.7 + 1e-7)));
  CHECK(cross_entropy_error(one, IndexTensor{1}).item() == Approx(-std::log(0.7 + 1e-7)));
  REQUIRE_THROWS_WITH(cross_entropy_error(y, IndexTensor{1, -3, 0}),
                      "cross_entropy_error: label -3 at (1) is negative (y (3,4))");
  REQUIRE_THROWS_WITH(cross_entropy_error(y, IndexTensor{1, 7, 0}),
                      Catch::Contains("label 7 at index 1 is out of range for 4 classes"));
  REQUIRE_THROWS_WITH(cross_entropy_error(y, IndexTensor{{1, 0, 3}}),
                      "cross_entropy_error: labels (1,3) do not fit y (3,4): expected (N) labels for (N,C), or one "
                      "label for (C)");
}
