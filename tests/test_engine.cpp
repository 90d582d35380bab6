// The backward engine end to end: accumulation on reused variables, graph lifetime, misuse errors,
// grad mode, deep graphs, higher-order gradients, and the Variable conveniences around them.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <sstream>
#include <stdexcept>
#include <string>

#include <minidl/check/numerical.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;
using minidl_test::message_of;
using minidl_test::contains;

TEST_CASE("diamond graph y = x*x + x gets both contributions: 2x + 1", "[engine]") {
  Var64 x = variable<double>({1.0, 2.0, -3.0}, true);
  Var64 y = sum(x * x + x);
  y.backward();
  REQUIRE(x.has_grad());
  CHECK(x.grad().data()(0) == Approx(3.0));
  CHECK(x.grad().data()(1) == Approx(5.0));
  CHECK(x.grad().data()(2) == Approx(-5.0));
}

TEST_CASE("a variable reused in several places accumulates every use", "[engine]") {
  Var64 x = scalar<double>(2.0, true);
  Var64 y = x * x * x + x * 2.0 + x;  // dy/dx = 3x² + 3 = 15
  y.backward();
  CHECK(x.grad().item() == Approx(15.0));
  // Same variable as both operands of one op.
  Var64 z = scalar<double>(3.0, true);
  mul(z, z).backward();
  CHECK(z.grad().item() == Approx(6.0));
}

TEST_CASE("module-like reuse: the same W in two layers gets the sum of both gradients", "[engine]") {
  Var64 x = variable<double>({{0.5, -1.0}, {2.0, 0.25}, {-0.5, 1.5}});
  Var64 W = variable<double>({{0.3, -0.2}, {0.1, 0.4}}, true);
  Var64 b = variable<double>({0.05, -0.1}, true);
  auto loss = [&] { return sum(linear(tanh(linear(x, W, b)), W, b)); };
  loss().backward();
  // Oracle: numerical gradient of the same loss with respect to W's data.
  Tensor<double> expect = numerical_gradient([&] { return loss().item(); }, W.data(), 1e-6);
  for (std::size_t i = 0; i < W.size(); ++i) {
    CHECK(W.grad().data().data()[i] == Approx(expect.data()[i]).epsilon(1e-6));
  }
  // Using W only once gives a different gradient, so the check above really covered both uses.
  W.clear_grad();
  sum(linear(x, W, b)).backward();
  CHECK(W.grad().data()(0, 0) != Approx(expect(0, 0)).epsilon(1e-3));
}

TEST_CASE("backward twice with retain_graph accumulates; without it the freed graph throws", "[engine]") {
  Var64 x = scalar<double>(3.0, true);
  Var64 y = x * x;
  BackwardOptions keep;
  keep.retain_graph = true;
  y.backward(keep);
  CHECK(x.grad().item() == Approx(6.0));
  y.backward(keep);
  CHECK(x.grad().item() == Approx(12.0));  // accumulated, not overwritten
  y.backward();                            // frees the graph
  CHECK(x.grad().item() == Approx(18.0));
  const std::string msg = message_of<std::logic_error>([&] { y.backward(); });
  CHECK(contains(msg, "already freed"));
  CHECK(contains(msg, "retain_graph"));
  CHECK(contains(msg, "mul"));
}

TEST_CASE("backward misuse is a logic_error with a useful message", "[engine]") {
  Var64 x = variable<double>({1.0, 2.0}, true);
  Var64 y = x * x;
  std::string msg = message_of<std::logic_error>([&] { y.backward(); });
  CHECK(contains(msg, "(2)"));
  CHECK(contains(msg, "one-element"));
  // With an explicit gradient of the right shape it works.
  y.backward(Tensor<double>{1.0, 1.0});
  CHECK(x.grad().data()(1) == Approx(4.0));

  Var64 c = variable<double>({1.0});
  msg = message_of<std::logic_error>([&] { (c * 2.0).backward(); });
  CHECK(contains(msg, "does not require grad"));

  Var64 z = x * x;
  msg = message_of<std::logic_error>([&] { z.backward(Tensor<double>{1.0, 1.0, 1.0}); });
  CHECK(contains(msg, "(3)"));
  CHECK(contains(msg, "(2)"));

  msg = message_of<std::logic_error>([&] { grad<double>({x * x}, {x}); });
  CHECK(contains(msg, "grad_outputs"));
}

TEST_CASE("NoGradGuard records nothing and restores the mode", "[engine]") {
  Var64 x = variable<double>({1.0, 2.0}, true);
  REQUIRE(grad_enabled());
  {
    NoGradGuard guard;
    CHECK_FALSE(grad_enabled());
    Var64 y = x * x + x;
    CHECK(y.is_leaf());
    CHECK_FALSE(y.requires_grad());
    CHECK(y.op() == nullptr);
    CHECK(y.inputs().empty());
    CHECK(y.data()(1) == Approx(6.0));
    {
      GradModeGuard on(true);  // nested guards restore in order
      CHECK(grad_enabled());
      CHECK((x * x).requires_grad());
    }
    CHECK_FALSE(grad_enabled());
    CHECK_THROWS_AS(y.backward(Tensor<double>{1.0, 1.0}), std::logic_error);
  }
  CHECK(grad_enabled());
  Var64 z = x * x;
  CHECK_FALSE(z.is_leaf());
  CHECK(z.requires_grad());
  CHECK(std::string(z.op()) == "mul");
}

TEST_CASE("a 100,000-op chain back-propagates and is destroyed without stack overflow", "[engine][deep]") {
  constexpr int kDepth = 100000;
  Var64 x = scalar<double>(0.5, true);
  {
    Var64 y = x;
    for (int i = 0; i < kDepth; ++i) y = add_scalar(y, 1e-6);
    CHECK(y.generation() == kDepth);
    CHECK(y.item() == Approx(0.5 + kDepth * 1e-6));
    y.backward();
    CHECK(x.grad().item() == Approx(1.0));
  }
  {
    // Dropped without backward: the whole graph is still alive until here.
    Var64 y = x;
    for (int i = 0; i < kDepth; ++i) y = mul_scalar(y, 1.0);
  }
  {
    // Retained graph and a grad with its own graph (create_graph), dropped together.
    Var64 y = x;
    for (int i = 0; i < kDepth; ++i) y = mul_scalar(y, 1.0);
    Var64 g = grad(y, x, /*create_graph=*/true);
    CHECK(g.item() == Approx(1.0));
  }
  CHECK(x.grad().item() == Approx(1.0));
}

TEST_CASE("second derivatives through create_graph: d²/dx² x⁴ at 2 is 48", "[engine][higher-order]") {
  Var64 x = scalar<double>(2.0, true);
  SECTION("functional grad") {
    Var64 y = pow(x, 4.0);
    Var64 gx = grad(y, x, /*create_graph=*/true);
    CHECK(gx.item() == Approx(32.0));  // 4x³
    CHECK(gx.requires_grad());
    Var64 gxx = grad(gx, x, true);
    CHECK(gxx.item() == Approx(48.0));  // 12x²
    Var64 gxxx = grad(gxx, x);
    CHECK(gxxx.item() == Approx(48.0));  // 24x, also 48 at x = 2
    CHECK_FALSE(x.has_grad());           // grad() stores nothing
  }
  SECTION("backward(create_graph) then grad of grad") {
    Var64 y = x * x * x * x;
    BackwardOptions opt;
    opt.create_graph = true;
    y.backward(opt);
    Var64 gx = x.grad();
    CHECK(gx.item() == Approx(32.0));
    CHECK(gx.requires_grad());
    // The stored grad refers back to x (see BackwardOptions): clear it before reusing x.grad.
    x.clear_grad();
    gx.backward();
    CHECK(x.grad().item() == Approx(48.0));
    x.clear_grad();
  }
}

TEST_CASE("retain_grad keeps an intermediate's gradient; others are dropped", "[engine]") {
  Var64 x = scalar<double>(3.0, true);
  Var64 h = x * x;  // 9
  Var64 k = h + x;  // 12
  h.retain_grad();
  Var64 y = k * k;  // dy/dk = 2k = 24, dy/dh = 24, dy/dx = 24·(2x + 1) = 168
  y.backward();
  REQUIRE(h.has_grad());
  CHECK(h.grad().item() == Approx(24.0));
  CHECK_FALSE(k.has_grad());
  CHECK_FALSE(y.has_grad());
  CHECK(x.grad().item() == Approx(168.0));
}

TEST_CASE("detach makes an independent leaf", "[engine]") {
  Var64 x = variable<double>({1.0, 2.0}, true);
  Var64 y = (x * x).set_name("y");
  Var64 d = y.detach();
  CHECK(d.is_leaf());
  CHECK_FALSE(d.requires_grad());
  CHECK((d.data() == y.data()));
  d.data()(0) = 100.0;  // a copy: y is unaffected
  CHECK(y.data()(0) == Approx(1.0));
  CHECK(d.name() == "y");
  // Gradients stop at a detached value.
  Var64 z = sum(d * x);
  z.backward();
  CHECK(x.grad().data()(1) == Approx(4.0));  // d, not d + x
}

TEST_CASE("item() errors and values", "[engine]") {
  CHECK(scalar<double>(2.5).item() == 2.5);
  CHECK(Var64(full_tensor<double>({1, 1}, 7.0)).item() == 7.0);  // any one-element shape
  std::string msg = message_of<std::logic_error>([] { variable<double>({1.0, 2.0}).item(); });
  CHECK(contains(msg, "item"));
  CHECK(contains(msg, "(2)"));
  msg = message_of<std::logic_error>([] { Var64().item(); });
  CHECK(contains(msg, "undefined"));
}

TEST_CASE("printing shows shape, dtype, requires_grad, name and op", "[engine]") {
  std::ostringstream s;
  Var x = variable<float>({{1, 2, 3}, {4, 5, 6}}, true);
  x.set_name("x");
  s << x;
  CHECK(contains(s.str(), "shape=(2,3)"));
  CHECK(contains(s.str(), "dtype=float32"));
  CHECK(contains(s.str(), "requires_grad=true"));
  CHECK(contains(s.str(), "name=x"));
  std::ostringstream s2;
  s2 << (variable<double>({1.0}) * 2.0);
  CHECK(contains(s2.str(), "dtype=float64"));
  CHECK(contains(s2.str(), "requires_grad=false"));
  std::ostringstream s3;
  s3 << (Var64(variable<double>({1.0}, true)) * 2.0);
  CHECK(contains(s3.str(), "op=mul_scalar"));
}

TEST_CASE("shape errors name the op and both shapes", "[engine][errors]") {
  Var64 a = zeros<double>({2, 3}), b = zeros<double>({4});
  std::string msg = message_of<std::invalid_argument>([&] { add(a, b); });
  CHECK(contains(msg, "add"));
  CHECK(contains(msg, "(2,3)"));
  CHECK(contains(msg, "(4)"));

  Var64 m1 = zeros<double>({100, 784}), m2 = zeros<double>({50, 10});
  msg = message_of<std::invalid_argument>([&] { matmul(m1, m2); });
  CHECK(contains(msg, "matmul: (100,784) x (50,10)"));

  Var64 x = zeros<double>({8, 5}), W = zeros<double>({4, 3}), bias = zeros<double>({3});
  msg = message_of<std::invalid_argument>([&] { linear(x, W, bias); });
  CHECK(contains(msg, "linear"));
  CHECK(contains(msg, "(8,5)"));
  CHECK(contains(msg, "(4,3)"));
  Var64 W2 = zeros<double>({5, 3}), bad_bias = zeros<double>({4});
  msg = message_of<std::invalid_argument>([&] { linear(x, W2, bad_bias); });
  CHECK(contains(msg, "bias"));
  CHECK(contains(msg, "(4)"));
}

TEMPLATE_TEST_CASE("float and double both run the same graph", "[engine]", float, double) {
  Variable<TestType> x = variable<TestType>({1, 2, 3}, true);
  Variable<TestType> W = variable<TestType>({{1, 0}, {0, 1}, {1, 1}}, true);
  Variable<TestType> y = sum(matmul(reshape(x, {1, 3}), W) * 2.0) + sum(x * x);  // reshape: ops/shape
  y.backward();
  // dy/dx = 2·W·1 + 2x = 2·(1,1,2) + (2,4,6)
  CHECK(x.grad().data()(0) == Approx(4.0));
  CHECK(x.grad().data()(1) == Approx(6.0));
  CHECK(x.grad().data()(2) == Approx(10.0));
  CHECK(W.grad().data()(2, 1) == Approx(6.0));  // 2·x2
  CHECK(std::string(dtype_name<TestType>()) == (sizeof(TestType) == 4 ? "float32" : "float64"));
}
