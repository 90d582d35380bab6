// Dropout: mask statistics and reproducibility, inverted scaling, backward with a fixed mask, the
// module's train/eval switch, and error messages.
#include <catch2/catch.hpp>

#include <cmath>

#include <minidl/check/catch_gradcheck.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

double fraction_zero(const Tensor<double>& t) {
  std::size_t z = 0;
  for (std::size_t i = 0; i < t.size(); ++i) z += t.data()[i] == 0.0;
  return static_cast<double>(z) / static_cast<double>(t.size());
}

}  // namespace

TEST_CASE("dropout_mask drops a fraction close to the ratio and holds only 0 and 1", "[dropout]") {
  Generator gen(1);
  for (double ratio : {0.1, 0.3, 0.5, 0.8}) {
    const Tensor<double> m = dropout_mask<double>({200, 500}, ratio, gen);
    REQUIRE(m.shape(0) == 200);
    REQUIRE(m.shape(1) == 500);
    for (std::size_t i = 0; i < m.size(); ++i) REQUIRE((m.data()[i] == 0.0 || m.data()[i] == 1.0));
    // 100,000 Bernoulli draws: the standard deviation of the fraction is <= 0.0016.
    CHECK(fraction_zero(m) == Approx(ratio).margin(0.01));
  }
  const Tensor<double> none = dropout_mask<double>({50, 50}, 0.0, gen);
  CHECK(fraction_zero(none) == 0.0);
}

TEST_CASE("dropout masks are reproducible from the seed", "[dropout]") {
  Generator a(42), b(42), c(43);
  const Tensor<float> ma = dropout_mask<float>({30, 40}, 0.5, a);
  const Tensor<float> mb = dropout_mask<float>({30, 40}, 0.5, b);
  const Tensor<float> mc = dropout_mask<float>({30, 40}, 0.5, c);
  CHECK((ma == mb));
  CHECK((ma != mc));
  // The stream moves on: the next mask from the same generator differs.
  CHECK((dropout_mask<float>({30, 40}, 0.5, a) != ma));

  Generator r1(9);
  const Var x = randn<float>({8, 16}, r1);
  Generator s1(9), s2(9);
  CHECK((dropout(x, 0.4, s1).data() == dropout(x, 0.4, s2).data()));
}

TEST_CASE("dropout scales kept units by 1/(1-ratio) and zeroes the rest", "[dropout]") {
  Generator gx(3);
  const Var64 x = uniform<double>({10, 20}, gx, 0.5, 1.5);
  Generator g(11), replay(11);
  const double ratio = 0.25;
  const Var64 y = dropout(x, ratio, g);
  const Tensor<double> mask = dropout_mask<double>(x.shape(), ratio, replay);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double want = mask.data()[i] == 1.0 ? x.data().data()[i] / (1 - ratio) : 0.0;
    REQUIRE(y.data().data()[i] == Approx(want).margin(1e-15));
  }
}

TEST_CASE("inverted dropout preserves the expectation", "[dropout]") {
  Generator g(21);
  const Var x = ones<float>({500, 200});
  for (double ratio : {0.2, 0.5, 0.7}) {
    const Var y = dropout(x, ratio, g);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += y.data().data()[i];
    // E[y] = 1; 100,000 samples of a Bernoulli scaled by 1/(1-r): sd of the mean <= 0.005.
    CHECK(s / static_cast<double>(y.size()) == Approx(1.0).margin(0.02));
  }
}

TEST_CASE("dropout backward is gy * mask / (1-ratio) and passes gradcheck", "[dropout]") {
  Generator g(4);
  const Var64 x = uniform<double>({3, 5}, g, -1, 1, true);
  const Tensor<double> mask = dropout_mask<double>({3, 5}, 0.4, g);
  REQUIRE(fraction_zero(mask) > 0.0);
  REQUIRE(fraction_zero(mask) < 1.0);
  Generator wg(5);
  const Var64 w = uniform<double>({3, 5}, wg, 0.5, 1.5);
  sum(dropout(x, mask, 0.4) * w).backward();
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(x.grad().data().data()[i] == Approx(w.data().data()[i] * mask.data()[i] / 0.6).margin(1e-14));
  }
  MINIDL_REQUIRE_GRADCHECK([&](const std::vector<Var64>& v) { return dropout(v[0], mask, 0.4); }, {x});
  // Second order through the backward (create_graph): square makes it non-trivial.
  MINIDL_REQUIRE_GRADGRADCHECK([&](const std::vector<Var64>& v) { return square(dropout(v[0], mask, 0.4)); }, {x});
}

TEST_CASE("dropout with ratio 0 returns its input", "[dropout]") {
  Generator g(1);
  const Var x = randn<float>({4, 4}, g, 0, 1, true);
  const Var y = dropout(x, 0.0, g);
  CHECK(y.node() == x.node());
}

TEST_CASE("dropout rejects bad ratios, mismatched masks and non-binary masks", "[dropout]") {
  Generator g(1);
  const Var x = randn<float>({2, 3}, g);
  CHECK_THROWS_WITH(dropout(x, 1.0, g), Catch::Contains("dropout: ratio must be in [0, 1), got 1"));
  CHECK_THROWS_AS(dropout(x, -0.1, g), std::invalid_argument);
  CHECK_THROWS_AS(dropout_mask<float>({2, 2}, 1.5, g), std::invalid_argument);
  CHECK_THROWS_WITH(dropout(x, zeros_tensor<float>({3, 2}), 0.5), "dropout: x (2,3) but mask (3,2)");
  Tensor<float> bad = full_tensor<float>({2, 3}, 1.0f);
  bad(1, 2) = 0.5f;
  CHECK_THROWS_WITH(dropout(x, bad, 0.5), Catch::Contains("mask must hold only 0 and 1, found 0.5 at flat index 5"));
  CHECK_THROWS_AS(Dropout<float>(1.0, g), std::invalid_argument);
}

TEST_CASE("Dropout module drops in training mode and is the identity in eval mode", "[dropout][nn]") {
  Generator g(8);
  Dropout<float> layer(0.5, g);
  CHECK(layer.describe() == "Dropout(0.5)");
  CHECK(layer.parameters().empty());
  CHECK(layer.named_buffers().empty());
  const Var x = full<float>({40, 50}, 2.0f);

  REQUIRE(layer.is_training());
  const Var yt = layer(x);
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < yt.size(); ++i) {
    const float v = yt.data().data()[i];
    REQUIRE((v == 0.0f || v == 4.0f));
    zeros += v == 0.0f;
  }
  CHECK(static_cast<double>(zeros) / 2000.0 == Approx(0.5).margin(0.05));
  // A fresh mask each call.
  CHECK((layer(x).data() != yt.data()));

  layer.eval();
  const Var ye = layer(x);
  CHECK((ye.data() == x.data()));
  CHECK((layer(x).data() == ye.data()));  // deterministic

  // Same seed, same masks: two layers on equal generators agree call for call.
  Generator ga(77), gb(77);
  Dropout<float> a(0.3, ga), b(0.3, gb);
  CHECK((a(x).data() == b(x).data()));
  CHECK((a(x).data() == b(x).data()));
}
