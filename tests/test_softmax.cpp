// ops/softmax: values, normalisation along each axis, stability at logits of ±1000 (float32 and
// float64), gradients (first and second order), NaN containment and errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <minidl/minidl.hpp>
#include <xtensor/xmath.hpp>

using namespace minidl;

namespace {

template <typename T>
void require_rows_sum_to_one(const Tensor<T>& y, double margin) {
  const std::size_t c = y.shape().back(), n = y.size() / c;
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::size_t j = 0; j < c; ++j) s += y.data()[i * c + j];
    REQUIRE(s == Approx(1.0).margin(margin));
  }
}

void require_gradcheck(const GradcheckFn& f, const std::vector<Var64>& inputs, bool second_order = false) {
  const GradcheckReport r = second_order ? gradgradcheck(f, inputs) : gradcheck(f, inputs);
  INFO(r.str());
  REQUIRE(r.passed);
}

}  // namespace

TEST_CASE("softmax: known values and rows summing to 1", "[softmax]") {
  Var64 x(Tensor<double>{{1, 2, 3}, {0, 0, 0}});
  Var64 y = softmax(x);
  REQUIRE(y.shape() == Shape{2, 3});
  REQUIRE(y.data()(0, 0) == Approx(0.09003057317038046));
  REQUIRE(y.data()(0, 1) == Approx(0.24472847105479767));
  REQUIRE(y.data()(0, 2) == Approx(0.6652409557748219));
  REQUIRE(y.data()(1, 1) == Approx(1.0 / 3.0));

  Var64 r = uniform<double>({64, 10}, -5, 5);
  require_rows_sum_to_one(softmax(r).data(), 1e-12);
  Var r32 = uniform<float>({64, 10}, -5, 5);
  require_rows_sum_to_one(softmax(r32).data(), 1e-5);
}

TEST_CASE("softmax / log_softmax along axis 0 and a middle axis", "[softmax]") {
  Var64 x = uniform<double>({2, 3, 4}, -3, 3);
  Var64 y = softmax(x, 1);
  for (std::size_t a = 0; a < 2; ++a) {
    for (std::size_t k = 0; k < 4; ++k) {
      double s = 0, m = -1e300;
      for (std::size_t j = 0; j < 3; ++j) m = std::max(m, x.data()(a, j, k));
      for (std::size_t j = 0; j < 3; ++j) s += std::exp(x.data()(a, j, k) - m);
      for (std::size_t j = 0; j < 3; ++j) {
        REQUIRE(y.data()(a, j, k) == Approx(std::exp(x.data()(a, j, k) - m) / s));
      }
    }
  }
  Var64 z = log_softmax(x, 0);
  Var64 w = softmax(x, -3);
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(z.data().data()[i] == Approx(std::log(w.data().data()[i])));
  require_rows_sum_to_one(Tensor<double>(softmax(Var64(Tensor<double>{1.0, 2.0, 5.0})).data()), 1e-12);
}

TEST_CASE("softmax / log_softmax are stable at logits of 1000", "[softmax][stability]") {
  Var64 big(Tensor<double>{{1000, 1000, 1000}, {1000, 0, -1000}, {-1000, -1000, -999}});
  Tensor<double> y = softmax(big).data();
  REQUIRE(std::isfinite(xt::sum(y)()));
  REQUIRE(y(0, 1) == Approx(1.0 / 3.0));
  REQUIRE(y(1, 0) == 1.0);
  REQUIRE(y(1, 1) == Approx(0.0).margin(1e-300));
  REQUIRE(y(2, 2) == Approx(std::exp(1.0) / (2.0 + std::exp(1.0))));
  Tensor<double> ly = log_softmax(big).data();
  REQUIRE(ly(1, 0) == Approx(0.0).margin(1e-12));
  REQUIRE(ly(1, 2) == Approx(-2000.0));  // exact: no probability underflowed into log(0)
  REQUIRE(ly(0, 0) == Approx(-std::log(3.0)));

  Var big32(Tensor<float>{{1000, 999, 0}, {-1000, -1000, -1000}});
  Tensor<float> y32 = softmax(big32).data();
  REQUIRE(y32(0, 0) == Approx(1.0 / (1.0 + std::exp(-1.0))).epsilon(1e-5));
  REQUIRE(y32(1, 2) == Approx(1.0 / 3.0).epsilon(1e-5));
  REQUIRE(log_softmax(big32).data()(0, 2) == Approx(-1000.3132616875182).epsilon(1e-5));

  // The gradient there is finite and correct too.
  Var64 xg(Tensor<double>{{1000, 999, 0}}, true);
  sum_to(mul(softmax(xg), Var64(Tensor<double>{{1, 0, 0}})), Shape{}).backward();
  const double p = 1.0 / (1.0 + std::exp(-1.0));
  REQUIRE(xg.grad().data()(0, 0) == Approx(p * (1 - p)));
  REQUIRE(xg.grad().data()(0, 1) == Approx(-p * (1 - p)));
}

TEST_CASE("softmax / log_softmax gradients match the formulas and central differences", "[softmax][grad]") {
  // gx = y * (gy - Σ y*gy) for softmax; gx = gy - softmax(x) Σ gy for log_softmax.
  Var64 x(Tensor<double>{{0.5, -1.0, 2.0}}, true);
  Tensor<double> gy = {{1.0, 2.0, -1.0}};
  Var64 y = softmax(x);
  y.backward(gy);
  const Tensor<double>& s = y.data();
  const double dot = s(0, 0) * 1.0 + s(0, 1) * 2.0 - s(0, 2);
  for (std::size_t j = 0; j < 3; ++j) REQUIRE(x.grad().data()(0, j) == Approx(s(0, j) * (gy(0, j) - dot)));

  Var64 x2(Tensor<double>{{0.5, -1.0, 2.0}}, true);
  log_softmax(x2).backward(gy);
  for (std::size_t j = 0; j < 3; ++j) REQUIRE(x2.grad().data()(0, j) == Approx(gy(0, j) - s(0, j) * 2.0));

  const std::vector<Var64> in = {uniform<double>({3, 4}, -2, 2, true)};
  require_gradcheck([](const std::vector<Var64>& v) { return softmax(v[0]); }, in);
  require_gradcheck([](const std::vector<Var64>& v) { return log_softmax(v[0], 0); }, in);
  // Second derivatives through the Variable-op backward (create_graph).
  require_gradcheck([](const std::vector<Var64>& v) { return softmax(v[0]); }, in, true);
  require_gradcheck([](const std::vector<Var64>& v) { return log_softmax(v[0]); }, in, true);
  require_gradcheck([](const std::vector<Var64>& v) { return softmax(v[0], 0); },
                    {uniform<double>({2, 3, 2}, -2, 2, true)}, true);
}

TEST_CASE("softmax: float32 gradient agrees with float64", "[softmax][float]") {
  Var64 x64 = uniform<double>({5, 7}, -3, 3, true);
  Var x32(Tensor<float>(xt::cast<float>(x64.data())), true);
  Tensor<double> w = uniform<double>({5, 7}, -1, 1).data();
  log_softmax(x32).backward(Tensor<float>(xt::cast<float>(w)));
  Var64 x64b(Tensor<double>(x64.data()), true);
  log_softmax(x64b).backward(w);
  for (std::size_t i = 0; i < x64b.size(); ++i) {
    REQUIRE(x32.grad().data().data()[i] == Approx(x64b.grad().data().data()[i]).margin(1e-5));
  }
}

TEST_CASE("softmax: a NaN stays in its own row; errors name the op and shape", "[softmax][errors]") {
  Var64 x(Tensor<double>{{1, std::nan(""), 2}, {1, 2, 3}});
  Tensor<double> y = softmax(x).data();
  REQUIRE(std::isnan(y(0, 0)));
  REQUIRE(std::isnan(y(0, 2)));
  REQUIRE(y(1, 2) == Approx(0.6652409557748219));

  REQUIRE_THROWS_MATCHES(softmax(x, 2), std::invalid_argument,
                         Catch::Message("softmax: axis 2 is out of range for shape (2,3)"));
  REQUIRE_THROWS_MATCHES(log_softmax(x, -3), std::invalid_argument,
                         Catch::Message("log_softmax: axis -3 is out of range for shape (2,3)"));
  REQUIRE_THROWS_MATCHES(softmax(Var64(full_tensor<double>({}, 1.0))), std::invalid_argument,
                         Catch::Message("softmax: axis -1 is out of range for shape ()"));
}
