// Multi-output ops (record_multi): the engine calls one backward per pass with every output's
// gradient (undefined where an output was unused), graph lifetime and create_graph through them,
// gradients captured at or retained on an output, gradcheck via joined_outputs, and DOT export.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// What the test op's backward saw on its last call.
struct Seen {
  int calls = 0;
  std::vector<bool> grad_defined;
  std::vector<bool> output_defined;
};

// A two-output test op: (x², x³), elementwise. Its backward is written with Variable ops, so it is
// differentiable again; `wrong` swaps the two contributions, a bug gradcheck must catch.
std::vector<Var64> square_and_cube(const Var64& x, std::shared_ptr<Seen> seen, bool wrong = false) {
  std::vector<Tensor<double>> outs;
  outs.push_back(x.data() * x.data());
  outs.push_back(x.data() * x.data() * x.data());
  return record_multi<double>(
      "square_and_cube", std::move(outs), {x},
      [seen, wrong](const std::vector<Var64>& in, const std::vector<Var64>& out, const std::vector<Var64>& gy) {
        ++seen->calls;
        seen->grad_defined = {gy[0].defined(), gy[1].defined()};
        seen->output_defined = {out[0].defined(), out[1].defined()};
        const Var64& x = in[0];
        Var64 g;
        if (gy[0].defined()) g = mul(gy[0], mul_scalar(x, wrong ? 3.0 : 2.0));
        if (gy[1].defined()) {
          Var64 t = mul(gy[1], mul_scalar(mul(x, x), wrong ? 2.0 : 3.0));
          g = g.defined() ? add(g, t) : t;
        }
        return std::vector<Var64>{g};
      });
}

}  // namespace

TEST_CASE("multi-output op: one backward call per pass receives every output's gradient", "[engine][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = variable<double>({1.0, -2.0}, true);
  std::vector<Var64> y = square_and_cube(x, seen);
  REQUIRE(y.size() == 2);
  CHECK(y[0].op() == std::string("square_and_cube"));
  CHECK(y[1].inputs().size() == 1);
  CHECK(y[0].generation() == y[1].generation());
  sum(add(y[0], y[1])).backward();
  CHECK(seen->calls == 1);
  CHECK(seen->grad_defined == std::vector<bool>{true, true});
  // d/dx (x² + x³) = 2x + 3x²
  CHECK(x.grad().data()(0) == Approx(5.0));
  CHECK(x.grad().data()(1) == Approx(-4.0 + 12.0));
}

TEST_CASE("multi-output op: an unused output's gradient arrives undefined", "[engine][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = variable<double>({1.5, -0.5}, true);
  std::vector<Var64> y = square_and_cube(x, seen);
  sum(y[1]).backward();
  CHECK(seen->calls == 1);
  CHECK(seen->grad_defined == std::vector<bool>{false, true});
  CHECK(x.grad().data()(0) == Approx(3 * 1.5 * 1.5));
  CHECK(x.grad().data()(1) == Approx(3 * 0.25));
}

TEST_CASE("multi-output op: an output dropped before backward reaches the backward undefined", "[engine][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = variable<double>({2.0}, true);
  Var64 kept;
  {
    std::vector<Var64> y = square_and_cube(x, seen);
    kept = y[0];
  }  // y[1]'s node is gone
  sum(kept).backward();
  CHECK(seen->output_defined == std::vector<bool>{true, false});
  CHECK(x.grad().data()(0) == Approx(4.0));
}

TEST_CASE("multi-output op: graph freed after backward unless retained", "[engine][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = variable<double>({2.0}, true);
  std::vector<Var64> y = square_and_cube(x, seen);
  Var64 loss = sum(mul(y[0], y[1]));  // x^5: 5x^4 = 80
  loss.backward(BackwardOptions{true, false});
  loss.backward();
  CHECK(seen->calls == 2);
  CHECK(x.grad().item() == Approx(160.0));  // accumulated over both passes
  // Freed now, through either output.
  CHECK_THROWS_AS(sum(y[1]).backward(), std::logic_error);
  try {
    sum(y[0]).backward();
    FAIL("expected a logic_error");
  } catch (const std::logic_error& e) {
    CHECK(contains(e.what(), "square_and_cube"));
    CHECK(contains(e.what(), "already freed"));
  }
  CHECK(y[0].inputs().empty());
  CHECK(y[1].inputs().empty());
}

TEST_CASE("multi-output op: create_graph gives second derivatives through the shared backward", "[engine][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = scalar<double>(1.5, true);
  std::vector<Var64> y = square_and_cube(x, seen);
  Var64 f = add(y[0], y[1]);  // x² + x³
  Var64 g = grad(f, x, /*create_graph=*/true);
  CHECK(g.item() == Approx(2 * 1.5 + 3 * 1.5 * 1.5));
  Var64 h = grad(g, x);
  CHECK(h.item() == Approx(2 + 6 * 1.5));
}

TEST_CASE("multi-output op: grad() at an output and retain_grad on an output", "[engine][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = variable<double>({1.0, 2.0}, true);
  std::vector<Var64> y = square_and_cube(x, seen);
  y[1].retain_grad();
  Var64 loss = sum(add(mul_scalar(y[0], 3.0), mul(y[1], y[1])));
  std::vector<Var64> g = grad<double>({loss}, {y[0], y[1]}, {}, false, true);
  CHECK(g[0].data()(0) == Approx(3.0));
  CHECK(g[1].data()(1) == Approx(2 * 8.0));
  loss.backward();
  REQUIRE(y[1].has_grad());
  CHECK(y[1].grad().data()(0) == Approx(2.0));
  CHECK_FALSE(y[0].has_grad());
}

TEST_CASE("multi-output op: nothing is recorded without grad", "[engine][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = variable<double>({1.0}, false);
  std::vector<Var64> y = square_and_cube(x, seen);
  CHECK(y[0].is_leaf());
  CHECK_FALSE(y[1].requires_grad());
  Var64 z = variable<double>({1.0}, true);
  NoGradGuard off;
  CHECK(square_and_cube(z, seen)[0].is_leaf());
}

TEST_CASE("gradcheck on a multi-output function via joined_outputs, and it catches a wrong backward",
          "[gradcheck][multi]") {
  auto seen = std::make_shared<Seen>();
  Var64 x = uniform<double>({3}, 0.5, 1.5, true);
  GradcheckReport ok = gradcheck(joined_outputs([&](const std::vector<Var64>& v) { return square_and_cube(v[0], seen); }),
                                 {x});
  INFO(ok.str());
  CHECK(ok.passed);
  CHECK(ok.output_shape == Shape{6});
  GradcheckReport gg = gradgradcheck(
      joined_outputs([&](const std::vector<Var64>& v) { return square_and_cube(v[0], seen); }), {x});
  INFO(gg.str());
  CHECK(gg.passed);
  GradcheckReport bad = gradcheck(
      joined_outputs([&](const std::vector<Var64>& v) { return square_and_cube(v[0], seen, true); }), {x});
  CHECK_FALSE(bad.passed);
  // The second output alone: the bug is in its contribution too.
  GradcheckReport bad_second = gradcheck(
      [&](const std::vector<Var64>& v) { return square_and_cube(v[0], seen, true)[1]; }, {x});
  CHECK_FALSE(bad_second.passed);
}

TEST_CASE("to_dot draws a multi-output op as one box with an edge to each output", "[dot][multi]") {
  Var64 x = variable<double>({{1, 2, 3, 4}}, true);
  x.set_name("x");
  std::vector<Var64> p = split(x, {1, 3}, 1);
  Var64 y = sum(p[1]);
  const std::string dot = to_dot(y);
  INFO(dot);
  std::size_t boxes = 0;
  for (std::size_t at = dot.find("label=\"split\""); at != std::string::npos; at = dot.find("label=\"split\"", at + 1)) {
    ++boxes;
  }
  CHECK(boxes == 1);
  CHECK(contains(dot, "[label=\"0\"]"));  // the unused piece is drawn too, as output 0
  CHECK(contains(dot, "[label=\"1\"]"));
  CHECK(contains(dot, "x\\n(1,4) float64"));
}
