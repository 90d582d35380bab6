// In-place gradient accumulation: a variable with many gradient contributions in one backward pass
// gets one sum buffer (no allocation per contribution) when create_graph is off, and the
// accumulation semantics are those of adding fresh tensors: retain_graph passes add up, create_graph
// sums stay differentiable, and no gradient a user or another node holds is ever modified.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

// Counts the engine's recorded gradient sums (each allocates a tensor).
class CountAccumulations : public OpObserver {
 public:
  int sums = 0;
  void on_forward(const char* op, const Tensor<double>&, const std::vector<Var64>&) override {
    if (std::string(op) == "accumulate_grad") ++sums;
  }
};

// A weight used at `steps` time steps: h = tanh(W h + x_t), loss = sum(h).
Var64 unrolled(const Var64& W, const Var64& h0, int steps) {
  Var64 h = h0;
  for (int t = 0; t < steps; ++t) h = tanh(add(matmul(h, W), mul_scalar(h0, 0.1 * t)));
  return sum(h);
}

}  // namespace

TEST_CASE("a weight used at 35 steps: one gradient buffer, same gradient as the oracle", "[engine][accumulate]") {
  Generator gen(3);
  Var64 W = uniform<double>({3, 3}, gen, -0.5, 0.5, true);
  Var64 h0 = uniform<double>({2, 3}, gen, -1.0, 1.0);
  CountAccumulations count;
  {
    OpObserverScope observe(&count);
    unrolled(W, h0, 35).backward();
  }
  // 35 contributions: the second allocates the sum, the other 33 are added into it.
  CHECK(count.sums == 1);
  Tensor<double> expect = numerical_gradient([&] { return unrolled(W, h0, 35).item(); }, W.data(), 1e-6);
  for (std::size_t k = 0; k < expect.size(); ++k) {
    CHECK(W.grad().data().data()[k] == Approx(expect.data()[k]).margin(1e-7));
  }
}

TEST_CASE("in-place accumulation never modifies a gradient someone else holds", "[engine][accumulate]") {
  // u = x + x hands its upstream gradient to x twice (the same tensor); x gets a third contribution
  // from sum(x). u's retained grad and the first contribution must stay what they were.
  Var64 x = variable<double>({1.0, 2.0}, true);
  Var64 c = variable<double>({3.0, 5.0});
  Var64 u = add(x, x);
  u.retain_grad();
  Var64 y = add(sum(mul(u, c)), add(sum(x), sum(mul(x, x))));
  y.backward();
  CHECK((u.grad().data() == Tensor<double>{3.0, 5.0}));
  CHECK((x.grad().data() == Tensor<double>{2 * 3.0 + 1 + 2 * 1.0, 2 * 5.0 + 1 + 2 * 2.0}));
  CHECK(c.has_grad() == false);
}

TEST_CASE("accumulation semantics: retain_graph passes add up, user-held grads stay", "[engine][accumulate]") {
  Var64 W = variable<double>({{0.5, -0.25}, {0.1, 0.2}}, true);
  Var64 h0 = variable<double>({{1.0, -1.0}});
  Var64 loss = unrolled(W, h0, 6);
  loss.backward(BackwardOptions{/*retain_graph=*/true, false});
  const Tensor<double> once = W.grad().data();
  const Var64 held = W.grad();  // a user keeps the first pass's gradient
  loss.backward();
  CHECK((held.data() == once));  // not modified by the second pass
  for (std::size_t k = 0; k < once.size(); ++k) {
    CHECK(W.grad().data().data()[k] == Approx(2 * once.data()[k]).epsilon(1e-14));
  }
}

TEST_CASE("accumulation under create_graph stays differentiable", "[engine][accumulate]") {
  // f(x) = x·x + x·x·x + 2x: x has several contributions; f'' = 2 + 6x.
  Var64 x = scalar<double>(0.7, true);
  Var64 f = add(add(mul(x, x), mul(mul(x, x), x)), mul_scalar(x, 2.0));
  CountAccumulations count;
  Var64 g;
  {
    OpObserverScope observe(&count);
    g = grad(f, x, /*create_graph=*/true);
  }
  CHECK(count.sums >= 3);  // every sum recorded, none done in place
  CHECK(g.item() == Approx(2 * 0.7 + 3 * 0.49 + 2));
  CHECK(grad(g, x).item() == Approx(2 + 6 * 0.7));
}
