// where, maximum, minimum: values with broadcasting, the tie rule, and shape errors naming the op.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEMPLATE_TEST_CASE("where: picks per element, broadcasts, sends gy to the chosen input", "[compare]", float, double) {
  Variable<TestType> a = variable<TestType>({1, 2, 3}, true);
  Variable<TestType> b = scalar<TestType>(-1, true);
  const Mask m = {{true, false, true}, {false, false, true}};
  Variable<TestType> y = where(m, a, b);
  CHECK((y.data() == Tensor<TestType>{{1, -1, 3}, {-1, -1, 3}}));
  sum(y).backward();
  CHECK((a.grad().data() == Tensor<TestType>{1, 0, 2}));
  CHECK(b.grad().item() == 3);
}

TEMPLATE_TEST_CASE("maximum / minimum: values, broadcast, ties split the gradient", "[compare]", float, double) {
  Variable<TestType> a = variable<TestType>({{1, 5}, {3, 2}}, true);
  Variable<TestType> b = variable<TestType>({2, 2}, true);
  Variable<TestType> mx = maximum(a, b);
  CHECK((mx.data() == Tensor<TestType>{{2, 5}, {3, 2}}));
  sum(mx).backward();
  CHECK((a.grad().data() == Tensor<TestType>{{0, 1}, {1, 0.5}}));
  CHECK((b.grad().data() == Tensor<TestType>{1, 0.5}));
  a.clear_grad();
  b.clear_grad();
  Variable<TestType> mn = minimum(a, b);
  CHECK((mn.data() == Tensor<TestType>{{1, 2}, {2, 2}}));
  sum(mn).backward();
  CHECK((a.grad().data() == Tensor<TestType>{{1, 0}, {0, 0.5}}));
  CHECK((b.grad().data() == Tensor<TestType>{1, 1.5}));
}

TEST_CASE("where / maximum: shape errors name the op and the shapes", "[compare][errors]") {
  try {
    where(Mask{true, false}, zeros<float>({3}), zeros<float>({3}));
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "where"));
    CHECK(contains(e.what(), "(2)"));
    CHECK(contains(e.what(), "(3)"));
  }
  try {
    maximum(zeros<float>({2, 3}), zeros<float>({4}));
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "maximum"));
    CHECK(contains(e.what(), "(2,3)"));
  }
}
