// TwoLayerNet::numerical_gradient (incremental, from a cached forward pass) against the book's
// full-forward algorithm and against backprop, on a small net with zero input columns, dead and
// half-dead hidden units.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <minidl/minidl.hpp>

#include <minidl/models/two_layer_net.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kIn = 20, kHidden = 7, kOut = 5, kBatch = 6;
constexpr std::size_t kDeadUnit = 2;                  // b1 = -50: ReLU is flat for every row
const std::vector<std::size_t> kZeroColumns{3, 11};   // x[:,c] = 0 in every row
const std::vector<std::size_t> kSparseColumns{5, 6};  // x[r,c] = 0 in even rows, like MNIST pixels
const std::vector<std::size_t> kLabels{0, 3, 1, 4, 2, 3};

// A batch and a net whose weights are large enough for many hidden pre-activations to be negative.
template <typename T>
struct Fixture {
  Generator gen{29};
  models::TwoLayerNet<T> net{kIn, kHidden, kOut, gen, 0.5};
  Variable<T> x = uniform<T>({kBatch, kIn}, gen, 0.0, 1.0);

  Fixture() {
    Tensor<T>& xs = x.data();
    for (std::size_t r = 0; r < kBatch; ++r) {
      for (std::size_t c : kZeroColumns) xs(r, c) = T(0);
      if (r % 2 == 0)
        for (std::size_t c : kSparseColumns) xs(r, c) = T(0);
    }
    Tensor<T>& b1 = net.affine1->b.data();
    for (std::size_t j = 0; j < kHidden; ++j) b1(j) = static_cast<T>(0.1 * double(j) - 0.3);
    b1(kDeadUnit) = T(-50);
    Tensor<T>& b2 = net.affine2->b.data();
    for (std::size_t k = 0; k < kOut; ++k) b2(k) = static_cast<T>(0.2 * double(k) - 0.4);
  }

  // Z1 = x·W1 + b1, for checking the fixture has what the test relies on.
  Tensor<double> z1() const {
    NoGradGuard no_grad;
    const Tensor<T> z = linear(x, net.affine1->W, net.affine1->b).data();
    return xt::cast<double>(z);
  }
};

template <typename T>
std::vector<Tensor<T>> snapshot(models::TwoLayerNet<T>& net) {
  return {net.affine1->W.data(), net.affine1->b.data(), net.affine2->W.data(), net.affine2->b.data()};
}

// Largest |a − b| / (atol + rtol·|b|) over a tensor: ≤ 1 means every element is within tolerance.
template <typename T>
double worst_ratio(const Tensor<T>& a, const Tensor<T>& b, double atol, double rtol) {
  REQUIRE(a.shape() == b.shape());
  double worst = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double d = std::abs(double(a.data()[k]) - double(b.data()[k]));
    worst = std::max(worst, d / (atol + rtol * std::abs(double(b.data()[k]))));
  }
  return worst;
}

}  // namespace

TEST_CASE("TwoLayerNet numerical_gradient: the fixture has dead, half-dead and live units, no kinks",
          "[models][numerical]") {
  Fixture<double> f;
  const Tensor<double> z = f.z1();
  std::size_t half_dead = 0;
  for (std::size_t j = 0; j < kHidden; ++j) {
    std::size_t positive = 0;
    for (std::size_t r = 0; r < kBatch; ++r) positive += z(r, j) > 0;
    if (j == kDeadUnit) REQUIRE(positive == 0);
    if (positive > 0 && positive < kBatch) ++half_dead;
  }
  REQUIRE(half_dead >= 2);
  // No pre-activation within 1e-2 of ReLU's kink: central differences with h = 1e-4 then estimate
  // the same derivative backprop computes.
  REQUIRE(xt::amin(xt::abs(z))() > 1e-2);
}

TEST_CASE("TwoLayerNet numerical_gradient (incremental) equals the full-forward algorithm and backprop, double",
          "[models][numerical]") {
  Fixture<double> f;
  const auto before = snapshot(f.net);
  const auto inc = f.net.numerical_gradient(f.x, kLabels);
  REQUIRE((snapshot(f.net) == before));  // parameters untouched, bit for bit
  const auto full = f.net.numerical_gradient_full_forward(f.x, kLabels);
  REQUIRE((snapshot(f.net) == before));
  const auto bp = f.net.gradient(f.x, kLabels);

  REQUIRE(inc.size() == 4);
  for (const std::string name : {"W1", "b1", "W2", "b2"}) {
    INFO(name);
    const Tensor<double>& a = inc.at(name);
    REQUIRE(xt::amax(xt::abs(a))() > 1e-3);  // a zero gradient would make the comparisons empty
    CHECK(worst_ratio(a, full.at(name), 1e-9, 1e-9) <= 1.0);
    CHECK(worst_ratio(a, bp.at(name), 1e-7, 1e-6) <= 1.0);
    CHECK(worst_ratio(full.at(name), bp.at(name), 1e-7, 1e-6) <= 1.0);
  }

  const Tensor<double>& gW1 = inc.at("W1");
  // The dead unit: every probe of its W1 column and bias leaves ReLU flat, so the loss does not move
  // at all. Skipping the ReLU of the perturbed column would make these nonzero.
  for (std::size_t i = 0; i < kIn; ++i) REQUIRE(gW1(i, kDeadUnit) == 0.0);
  REQUIRE(inc.at("b1")(kDeadUnit) == 0.0);
  for (std::size_t k = 0; k < kOut; ++k) REQUIRE(inc.at("W2")(kDeadUnit, k) == 0.0);
  // Zero input columns: exactly zero rows of the W1 gradient, in both algorithms.
  for (std::size_t c : kZeroColumns) {
    for (std::size_t j = 0; j < kHidden; ++j) {
      REQUIRE(gW1(c, j) == 0.0);
      REQUIRE(full.at("W1")(c, j) == 0.0);
    }
  }
  // The sparse columns still carry gradient from their nonzero rows.
  for (std::size_t c : kSparseColumns) {
    double largest = 0;
    for (std::size_t j = 0; j < kHidden; ++j) largest = std::max(largest, std::abs(gW1(c, j)));
    REQUIRE(largest > 0.0);
  }
}

TEST_CASE("TwoLayerNet numerical_gradient with other h and labels still matches the full-forward algorithm",
          "[models][numerical]") {
  Fixture<double> f;
  const std::vector<std::size_t> labels{4, 4, 0, 1, 2, 0};
  const auto inc = f.net.numerical_gradient(f.x, labels, 1e-3);
  const auto full = f.net.numerical_gradient_full_forward(f.x, labels, 1e-3);
  for (const std::string name : {"W1", "b1", "W2", "b2"}) {
    INFO(name);
    CHECK(worst_ratio(inc.at(name), full.at(name), 1e-9, 1e-9) <= 1.0);
  }
}

TEST_CASE("TwoLayerNet numerical_gradient in float: the perturbation is float, the arithmetic double",
          "[models][numerical]") {
  Fixture<float> f;
  const auto before = snapshot(f.net);
  const auto inc = f.net.numerical_gradient(f.x, kLabels);
  REQUIRE((snapshot(f.net) == before));
  const auto full = f.net.numerical_gradient_full_forward(f.x, kLabels);
  const auto bp = f.net.gradient(f.x, kLabels);

  // The same net in double (float values are exact in double).
  Fixture<double> g;
  g.net.affine1->W.data() = xt::cast<double>(f.net.affine1->W.data());
  g.net.affine1->b.data() = xt::cast<double>(f.net.affine1->b.data());
  g.net.affine2->W.data() = xt::cast<double>(f.net.affine2->W.data());
  g.net.affine2->b.data() = xt::cast<double>(f.net.affine2->b.data());
  g.x.data() = xt::cast<double>(f.x.data());
  const auto inc_double = g.net.numerical_gradient(g.x, kLabels);

  for (const std::string name : {"W1", "b1", "W2", "b2"}) {
    INFO(name);
    const Tensor<float>& a = inc.at(name);
    REQUIRE(xt::amax(xt::abs(a))() > 1e-3f);
    // Only the perturbed values differ from the double run: each of static_cast<float>(θ ± h) − θ
    // is ±h to within half a float ulp, so the effective step 2h is off by at most one ulp of θ:
    // 1.2e-7 / 2e-4 = 6e-4 relative when |θ| < 2 (checked below).
    const Tensor<double> a_double = xt::cast<double>(a);
    CHECK(worst_ratio(a_double, inc_double.at(name), 1e-7, 7e-4) <= 1.0);
    CHECK(worst_ratio(a, bp.at(name), 1e-5, 7e-4) <= 1.0);
    // The full-forward float run evaluates the loss in float: its differences carry ~1e-7·loss/2h
    // of round-off noise, so it agrees only to ~1e-3.
    CHECK(worst_ratio(full.at(name), a, 5e-3, 0.0) <= 1.0);
  }
  for (std::size_t i = 0; i < kIn; ++i) REQUIRE(inc.at("W1")(i, kDeadUnit) == 0.0f);
  // The ulp bound above needs |θ| < 2 wherever the gradient is nonzero (the dead bias is -50).
  Tensor<float> b1_live = f.net.affine1->b.data();
  b1_live(kDeadUnit) = 0.0f;
  for (const Tensor<float>* p : {&f.net.affine1->W.data(), &b1_live, &f.net.affine2->W.data(),
                                 &f.net.affine2->b.data()})
    REQUIRE(xt::amax(xt::abs(*p))() < 1.99f);
}

TEST_CASE("TwoLayerNet numerical_gradient rejects bad labels and inputs like loss() does", "[models][numerical]") {
  Fixture<double> f;
  const std::vector<std::size_t> too_few{0, 1, 2};               // 3 labels for 6 rows
  const std::vector<std::size_t> out_of_range{0, 1, 2, 3, 4, 5};  // label 5 of 5 classes
  REQUIRE_THROWS_AS(f.net.numerical_gradient(f.x, too_few), std::invalid_argument);
  REQUIRE_THROWS_AS(f.net.numerical_gradient(f.x, out_of_range), std::invalid_argument);
  const Variable<double> narrow = uniform<double>({kBatch, kIn - 1}, f.gen);
  REQUIRE_THROWS_AS(f.net.numerical_gradient(narrow, kLabels), std::invalid_argument);
}
