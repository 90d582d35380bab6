// split/chunk, unbind/stack and select: values in float and double, the one-buffer backward (zeros
// for unused pieces), each op's backward op, and errors that name the op and the shapes.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <stdexcept>
#include <string>

#include <minidl/minidl.hpp>

using namespace minidl;
using minidl_test::message_of;
using minidl_test::contains;

namespace {

// 0, 1, 2, ... in the given shape.
template <typename T>
Variable<T> iota(const Shape& shape, bool requires_grad = false) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  for (std::size_t k = 0; k < t.size(); ++k) t.data()[k] = static_cast<T>(k);
  return Variable<T>(std::move(t), requires_grad);
}

}  // namespace

TEMPLATE_TEST_CASE("split: pieces along an axis, values", "[split]", float, double) {
  Variable<TestType> x = iota<TestType>({2, 5});
  std::vector<Variable<TestType>> p = split(x, {2, 0, 3}, 1);
  REQUIRE(p.size() == 3);
  CHECK(p[0].shape() == Shape{2, 2});
  CHECK(p[1].shape() == Shape{2, 0});
  CHECK(p[2].shape() == Shape{2, 3});
  CHECK(p[0].data()(1, 1) == 6);
  CHECK(p[2].data()(0, 0) == 2);
  CHECK(p[2].data()(1, 2) == 9);
  std::vector<Variable<TestType>> rows = split(x, {1, 1}, 0);
  CHECK(rows[1].data()(0, 4) == 9);
}

TEST_CASE("split backward: used pieces land in one buffer, unused pieces read as zero", "[split]") {
  Var64 x = iota<double>({2, 6}, true);
  std::vector<Var64> p = split(x, {2, 2, 2}, 1);
  sum(mul(p[0], p[2])).backward();  // d/dp0 = p2, d/dp2 = p0, piece 1 unused
  const Tensor<double>& g = x.grad().data();
  CHECK(g(0, 0) == 4);
  CHECK(g(0, 1) == 5);
  CHECK(g(0, 2) == 0);
  CHECK(g(0, 3) == 0);
  CHECK(g(0, 4) == 0);
  CHECK(g(1, 5) == 7);
  // The one backward op split's backward records is split_backward (no pad_axis, no add).
  Var64 y = iota<double>({2, 4}, true);
  std::vector<Var64> q = split(y, {1, 3}, 1);
  Var64 gy = grad(sum(mul(q[0], q[1])), y, true);
  CHECK(gy.op() == std::string("split_backward"));
}

TEST_CASE("chunk: equal pieces, a smaller last piece, four LSTM gates", "[split]") {
  Var x = iota<float>({3, 8});
  std::vector<Var> g = chunk(x, 4, 1);
  REQUIRE(g.size() == 4);
  CHECK(g[3].shape() == Shape{3, 2});
  CHECK(g[3].data()(2, 1) == 23);
  std::vector<Var> u = chunk(iota<float>({5}), 2);
  REQUIRE(u.size() == 2);
  CHECK(u[0].size() == 3);
  CHECK(u[1].size() == 2);
  CHECK(chunk(iota<float>({5}), 4).size() == 3);  // extents 2,2,1, as torch.chunk
  CHECK(contains(message_of<std::invalid_argument>([] { chunk(iota<float>({4}), 0); }), "chunk: chunks must be"));
}

TEST_CASE("split: errors name the op, the sizes and the shape", "[split][errors]") {
  Var x = iota<float>({3, 5});
  const std::string m = message_of<std::invalid_argument>([&] { split(x, {2, 2}, 1); });
  CHECK(contains(m, "split: sizes (2,2) sum to 4"));
  CHECK(contains(m, "(3,5)"));
  CHECK(contains(message_of<std::invalid_argument>([&] { split(x, {3}, 2); }), "split: axis 2 is out of range"));
  CHECK_THROWS_AS(split(scalar<float>(1), {1}), std::invalid_argument);
  CHECK(contains(message_of<std::invalid_argument>([] {
                   split_backward<double>({Var64(zeros_tensor<double>({2, 3}))}, {2}, 1, {2, 2});
                 }),
                 "split_backward: gradient 0 has shape (2,3)"));
}

TEMPLATE_TEST_CASE("unbind and stack are inverse, with values", "[split]", float, double) {
  Variable<TestType> x = iota<TestType>({2, 3, 2});
  std::vector<Variable<TestType>> steps = unbind(x, 1);
  REQUIRE(steps.size() == 3);
  CHECK(steps[2].shape() == Shape{2, 2});
  CHECK(steps[2].data()(1, 0) == 10);
  Variable<TestType> back = stack(steps, 1);
  CHECK(back.shape() == Shape{2, 3, 2});
  CHECK((back.data() == x.data()));
  Variable<TestType> last = stack(steps, -1);
  CHECK(last.shape() == Shape{2, 2, 3});
  CHECK(last.data()(1, 0, 2) == 10);
}

TEST_CASE("unbind backward: unused steps get zero; stack backward is unbind", "[split]") {
  Var64 x = iota<double>({3, 2}, true);
  std::vector<Var64> r = unbind(x, 0);
  sum(r[1]).backward();
  CHECK((x.grad().data() == Tensor<double>{{0, 0}, {1, 1}, {0, 0}}));
  Var64 a = iota<double>({2}, true), b = iota<double>({2}, true);
  Var64 s = stack<double>({a, b}, 0);
  Var64 ga = grad(sum(mul(s, s)), a, true);
  CHECK(ga.op() == std::string("unbind"));
  CHECK(ga.data()(1) == 2);
}

TEST_CASE("stack: errors name the op and the shapes", "[split][errors]") {
  CHECK(contains(message_of<std::invalid_argument>([] { stack<float>({}); }), "stack: needs at least one"));
  const std::string m = message_of<std::invalid_argument>([] {
    stack<float>({zeros<float>({2, 3}), zeros<float>({3, 2})});
  });
  CHECK(contains(m, "stack: tensor 1 has shape (3,2) but tensor 0 has (2,3)"));
  CHECK(contains(message_of<std::invalid_argument>([] { stack<float>({zeros<float>({2})}, 2); }),
                 "stack: axis 2 is out of range"));
  CHECK_THROWS_AS(unbind(scalar<float>(1)), std::invalid_argument);
}

TEMPLATE_TEST_CASE("select: one index of an axis, axis removed; backward places gy", "[split]", float, double) {
  Variable<TestType> x = iota<TestType>({2, 4, 3}, true);
  Variable<TestType> t = select(x, 1, 2);
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.data()(1, 2) == 12 + 6 + 2);
  sum(t).backward();
  const Tensor<TestType>& g = x.grad().data();
  CHECK(g(0, 2, 0) == 1);
  CHECK(g(1, 2, 2) == 1);
  CHECK(g(0, 1, 0) == 0);
  CHECK(g(1, 3, 2) == 0);
  const std::string m = message_of<std::invalid_argument>([&] { select(x, 1, 4); });
  CHECK(contains(m, "select: index 4 is out of range for axis 1 of (2,4,3)"));
}
