// minidl::gradcheck must catch wrong gradients, not just bless right ones: deliberately broken
// custom ops (built with record<double>) have to fail at the right element, with the right numbers.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

#include <minidl/check/catch_gradcheck.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;
using Vs = std::vector<Var64>;

namespace {

// y = x², whose backward adds `bump` to the true gradient 2x·gy: wrong exactly where bump != 0.
Var64 bumped_square(const Var64& x, const Tensor<double>& bump) {
  Tensor<double> y = x.data() * x.data();
  return record<double>("bumped_square", std::move(y), {x}, [bump](const Vs& in, const Var64&, const Var64& gy) {
    return Vs{add(mul(gy, mul_scalar(in[0], 2.0)), mul(gy, Var64(bump)))};
  });
}

// y = sign(x): piecewise constant, so both the analytic and the numeric gradient are zero.
Var64 sign_op(const Var64& x) {
  Tensor<double> y = xt::sign(x.data());
  return record<double>("sign", std::move(y), {x}, [](const Vs& in, const Var64&, const Var64&) {
    return Vs{zeros<double>(in[0].shape())};
  });
}

// y = x³ with a correct, differentiable backward 3x²·gy.
Var64 cube(const Var64& x) {
  Tensor<double> y = x.data() * x.data() * x.data();
  return record<double>("cube", std::move(y), {x}, [](const Vs& in, const Var64&, const Var64& gy) {
    return Vs{mul(gy, mul_scalar(mul(in[0], in[0]), 3.0))};
  });
}

// y = x³ whose backward uses 3x² as a constant tensor: right first derivative, but the backward is
// not differentiable in x, so the second derivative through it is wrong (0 instead of 6x·gy).
Var64 cube_constant_backward(const Var64& x) {
  Tensor<double> y = x.data() * x.data() * x.data();
  return record<double>("cube_const_bw", std::move(y), {x}, [](const Vs& in, const Var64&, const Var64& gy) {
    Tensor<double> d = 3.0 * in[0].data() * in[0].data();
    return Vs{mul(gy, Var64(d))};
  });
}

Var64 sum_all(const Var64& x) { return sum_to(x, Shape{}); }

Tensor<double> bump_at_1_2() {
  Tensor<double> bump = zeros_tensor<double>({3, 4});
  bump(1, 2) = 0.5;
  return bump;
}

}  // namespace

TEST_CASE("gradcheck passes a correct broadcasting op and leaves inputs untouched", "[gradcheck]") {
  Generator gen(1);
  Var64 a = uniform<double>({3, 4}, gen, -1, 1, true);
  Var64 b = uniform<double>({4}, gen, -1, 1, true);
  const Tensor<double> a0 = a.data(), b0 = b.data();
  GradcheckReport r = gradcheck([](const Vs& v) { return sum_all(mul(v[0], v[1])); }, {a, b});
  INFO(r.str());
  REQUIRE(r.passed);
  REQUIRE(r.error.empty());
  REQUIRE(r.inputs.size() == 2);
  CHECK(r.inputs[0].checked == 12);
  CHECK(r.inputs[1].checked == 4);
  CHECK(r.inputs[1].shape == Shape{4});
  CHECK(r.inputs[0].failed == 0);
  CHECK(r.max_rel_error() < 1e-6);
  CHECK_FALSE(r.inputs[0].all_zero);
  // Inputs restored bit for bit; stored grads untouched (minidl::grad stores nothing).
  CHECK((a.data() == a0));
  CHECK((b.data() == b0));
  CHECK_FALSE(a.has_grad());
  CHECK_FALSE(b.has_grad());
  CHECK(r.str().find("gradcheck PASSED") != std::string::npos);
}

TEST_CASE("gradcheck skips inputs that do not require grad and fails when none do", "[gradcheck]") {
  Var64 x = variable<double>({1.0, 2.0}, true);
  Var64 c = variable<double>({3.0, 4.0}, false);
  GradcheckReport r = gradcheck([](const Vs& v) { return sum_all(mul(v[0], v[1])); }, {x, c});
  REQUIRE(r.passed);
  REQUIRE(r.inputs.size() == 1);
  CHECK(r.inputs[0].input == 0);

  GradcheckReport none = gradcheck([](const Vs& v) { return sum_all(mul(v[0], v[1])); }, {c, c});
  CHECK_FALSE(none.passed);
  CHECK(none.error.find("no input requires grad") != std::string::npos);
}

TEST_CASE("gradcheck finds a wrong gradient at the right element", "[gradcheck]") {
  Generator gen(2);
  Var64 x = uniform<double>({3, 4}, gen, 0.5, 1.5, true);
  const Tensor<double> bump = bump_at_1_2();
  const double x12 = x.data()(1, 2);

  SECTION("scalar output") {
    GradcheckReport r = gradcheck([&](const Vs& v) { return sum_all(bumped_square(v[0], bump)); }, {x});
    INFO(r.str());
    REQUIRE_FALSE(r.passed);
    REQUIRE(r.inputs.size() == 1);
    const auto& in = r.inputs[0];
    CHECK(in.failed == 1);
    CHECK(in.checked == 12);
    CHECK(in.worst_index == std::vector<std::size_t>{1, 2});
    CHECK(in.worst_output_index.empty());
    CHECK(in.worst_analytic == Approx(2 * x12 + 0.5).epsilon(1e-9));
    CHECK(in.worst_numeric == Approx(2 * x12).epsilon(1e-6));
    CHECK(in.max_abs_error == Approx(0.5).epsilon(1e-5));
    CHECK_FALSE(in.all_zero);
    const std::string s = r.str();
    CHECK(s.find("FAILED") != std::string::npos);
    CHECK(s.find("worst at [1,2]") != std::string::npos);
  }
  SECTION("non-scalar output, random projection") {
    GradcheckReport r = gradcheck([&](const Vs& v) { return bumped_square(v[0], bump); }, {x});
    INFO(r.str());
    REQUIRE_FALSE(r.passed);
    CHECK(r.output_shape == Shape{3, 4});
    CHECK(r.inputs[0].failed == 1);
    CHECK(r.inputs[0].worst_index == std::vector<std::size_t>{1, 2});
    // Projected by a weight of magnitude in [0.5, 1.5): the error is 0.5·|r| of that element.
    CHECK(r.inputs[0].max_abs_error >= 0.25 - 1e-6);
    CHECK(r.inputs[0].max_abs_error <= 0.75 + 1e-6);
    CHECK(r.str().find("random projection") != std::string::npos);
  }
  SECTION("non-scalar output, full Jacobian") {
    GradcheckOptions opt;
    opt.full_jacobian = true;
    GradcheckReport r = gradcheck([&](const Vs& v) { return bumped_square(v[0], bump); }, {x}, opt);
    INFO(r.str());
    REQUIRE_FALSE(r.passed);
    const auto& in = r.inputs[0];
    CHECK(in.checked == 12 * 12);  // every Jacobian entry
    CHECK(in.failed == 1);
    CHECK(in.worst_index == std::vector<std::size_t>{1, 2});
    CHECK(in.worst_output_index == std::vector<std::size_t>{1, 2});
    CHECK(in.worst_analytic == Approx(2 * x12 + 0.5).epsilon(1e-9));
    CHECK(in.worst_numeric == Approx(2 * x12).epsilon(1e-6));
    CHECK(r.str().find("full Jacobian") != std::string::npos);
  }
}

TEST_CASE("gradcheck on a non-scalar output passes with projection and with the full Jacobian", "[gradcheck]") {
  Generator gen(3);
  Var64 a = uniform<double>({2, 3}, gen, -1, 1, true);
  Var64 b = uniform<double>({3, 4}, gen, -1, 1, true);
  auto f = [](const Vs& v) { return matmul(v[0], v[1]); };
  GradcheckReport proj = gradcheck(f, {a, b});
  INFO(proj.str());
  CHECK(proj.passed);
  CHECK(proj.inputs[0].checked == 6);
  GradcheckOptions opt;
  opt.full_jacobian = true;
  GradcheckReport full = gradcheck(f, {a, b}, opt);
  INFO(full.str());
  CHECK(full.passed);
  CHECK(full.inputs[0].checked == 8 * 6);
  CHECK(full.inputs[1].checked == 8 * 12);
  // Off-block Jacobian entries are exactly zero analytically; round-off in the numeric side must
  // not read as a large relative error.
  CHECK(full.max_rel_error() < 1e-5);
}

TEST_CASE("gradcheck flags all-zero gradients as a likely false pass", "[gradcheck]") {
  Var64 x = variable<double>({-2.0, -0.5, 0.7, 3.0}, true);
  GradcheckReport r = gradcheck([](const Vs& v) { return sum_all(sign_op(v[0])); }, {x});
  INFO(r.str());
  CHECK_FALSE(r.passed);
  CHECK(r.inputs[0].all_zero);
  CHECK(r.inputs[0].failed == 0);  // nothing disagrees: that is exactly the trap
  CHECK(r.str().find("zero everywhere") != std::string::npos);

  // x - x: the engine gives exact zeros, numeric differences are exact zeros too.
  GradcheckReport r2 = gradcheck([](const Vs& v) { return sum_all(sub(v[0], v[0])); }, {x});
  CHECK_FALSE(r2.passed);
  CHECK(r2.inputs[0].all_zero);

  // An output that ignores its input is not even recorded: still all zero, still flagged.
  GradcheckReport r3 = gradcheck([](const Vs&) { return scalar<double>(1.0); }, {x});
  CHECK_FALSE(r3.passed);
  CHECK(r3.error.empty());
  CHECK(r3.inputs[0].all_zero);

  GradcheckOptions allow;
  allow.allow_all_zero = true;
  GradcheckReport ok = gradcheck([](const Vs& v) { return sum_all(sign_op(v[0])); }, {x}, allow);
  CHECK(ok.passed);
  CHECK(ok.inputs[0].all_zero);
}

TEST_CASE("gradcheck fails on non-finite values", "[gradcheck]") {
  SECTION("sqrt at 0: numeric NaN, analytic inf") {
    Var64 x = variable<double>({0.0, 1.0}, true);
    GradcheckReport r = gradcheck([](const Vs& v) { return sum_all(pow(v[0], 0.5)); }, {x});
    INFO(r.str());
    CHECK_FALSE(r.passed);
    CHECK(r.inputs[0].non_finite);
    CHECK(r.inputs[0].worst_index == std::vector<std::size_t>{0});
    CHECK(r.str().find("non-finite") != std::string::npos);
  }
  SECTION("a backward producing NaN") {
    Var64 x = variable<double>({1.0, 2.0}, true);
    auto nan_grad = [](const Var64& v) {
      return record<double>("nan_grad", Tensor<double>(v.data()), {v}, [](const Vs& in, const Var64&, const Var64& gy) {
        return Vs{mul(gy, full<double>(in[0].shape(), std::numeric_limits<double>::quiet_NaN()))};
      });
    };
    GradcheckReport r = gradcheck([&](const Vs& v) { return sum_all(nan_grad(v[0])); }, {x});
    CHECK_FALSE(r.passed);
    CHECK(r.inputs[0].non_finite);
    CHECK(r.inputs[0].failed == 2);
  }
}

TEST_CASE("gradcheck reports an f that throws instead of throwing itself", "[gradcheck]") {
  Var64 x = variable<double>({1.0, 2.0}, true);
  GradcheckReport r = gradcheck([](const Vs&) -> Var64 { throw std::runtime_error("boom"); }, {x});
  CHECK_FALSE(r.passed);
  CHECK(r.error.find("f threw") != std::string::npos);
  CHECK(r.error.find("boom") != std::string::npos);
  CHECK(r.str().find("boom") != std::string::npos);

  // Throwing only on a perturbed input: the report names the element, and the input is restored.
  const Tensor<double> x0 = x.data();
  GradcheckReport r2 = gradcheck(
      [](const Vs& v) {
        if (v[0].data()(1) != 2.0) throw std::domain_error("perturbed");
        return sum_all(mul(v[0], v[0]));
      },
      {x});
  CHECK_FALSE(r2.passed);
  CHECK(r2.error.find("perturbed at [1]") != std::string::npos);
  CHECK((x.data() == x0));

  // Shape errors from ops surface the same way.
  Var64 a = zeros<double>({2, 3}, true), b = zeros<double>({2, 3}, true);
  GradcheckReport r3 = gradcheck([](const Vs& v) { return matmul(v[0], v[1]); }, {a, b});
  CHECK_FALSE(r3.passed);
  CHECK(r3.error.find("matmul") != std::string::npos);
}

TEST_CASE("gradcheck works under NoGradGuard and restores the mode", "[gradcheck]") {
  Var64 x = variable<double>({1.0, 2.0, 3.0}, true);
  NoGradGuard guard;
  GradcheckReport r = gradcheck([](const Vs& v) { return sum_all(mul(v[0], v[0])); }, {x});
  CHECK(r.passed);
  CHECK_FALSE(grad_enabled());
}

TEST_CASE("gradgradcheck checks second derivatives", "[gradcheck][gradgrad]") {
  Generator gen(4);
  Var64 x = uniform<double>({2, 3}, gen, 0.5, 1.5, true);
  Var64 y = uniform<double>({2, 3}, gen, 0.5, 1.5, true);

  SECTION("x^3 * y passes") {
    GradcheckReport r = gradgradcheck([](const Vs& v) { return mul(pow(v[0], 3.0), v[1]); }, {x, y});
    INFO(r.str());
    CHECK(r.passed);
    CHECK(r.kind == "gradgradcheck");
    CHECK(r.inputs.size() == 2);
    CHECK(r.str().find("gradgradcheck PASSED") != std::string::npos);
    CHECK_FALSE(x.has_grad());
  }
  SECTION("a custom cube with a differentiable backward passes") {
    MINIDL_REQUIRE_GRADGRADCHECK([](const Vs& v) { return cube(v[0]); }, {x});
    MINIDL_REQUIRE_GRADCHECK([](const Vs& v) { return cube(v[0]); }, {x});
  }
  SECTION("a backward that uses a constant where it should use x fails") {
    // First order is right...
    GradcheckReport first = gradcheck([](const Vs& v) { return cube_constant_backward(v[0]); }, {x});
    INFO(first.str());
    CHECK(first.passed);
    // ...second order is not: the analytic second derivative misses the 6x term.
    GradcheckReport second = gradgradcheck([](const Vs& v) { return cube_constant_backward(v[0]); }, {x});
    INFO(second.str());
    CHECK_FALSE(second.passed);
    CHECK(second.inputs[0].failed == 6);
    CHECK(second.inputs[0].worst_analytic == Approx(0.0).margin(1e-12));
    CHECK(std::fabs(second.inputs[0].worst_numeric) > 0.5);  // 6x·u·w with x, |u|, |w| >= 0.5
  }
  SECTION("a linear op has an all-zero second derivative") {
    GradcheckReport r = gradgradcheck([](const Vs& v) { return add(v[0], v[1]); }, {x, y});
    CHECK_FALSE(r.passed);
    CHECK(r.inputs[0].all_zero);
    GradcheckOptions allow;
    allow.allow_all_zero = true;
    CHECK(gradgradcheck([](const Vs& v) { return add(v[0], v[1]); }, {x, y}, allow).passed);
  }
}

TEST_CASE("catch_gradcheck macros assert and forward options", "[gradcheck]") {
  Var64 a = variable<double>({{1.0, 2.0}, {3.0, 4.0}}, true);
  Var64 b = variable<double>({0.5, -1.0}, true);
  MINIDL_REQUIRE_GRADCHECK([](const Vs& v) { return add(v[0], v[1]); }, {a, b});
  GradcheckOptions opt;
  opt.full_jacobian = true;
  MINIDL_CHECK_GRADCHECK([](const Vs& v) { return mul(v[0], v[1]); }, {a, b}, opt);
  MINIDL_CHECK_GRADGRADCHECK([](const Vs& v) { return mul(v[0], v[1]); }, {a, b});
}
