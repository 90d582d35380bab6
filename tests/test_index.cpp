// Integer indices: index_select (an embedding lookup) and index_add, values, repeated indices
// accumulating, and errors that name the bad index and where it sits.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEMPLATE_TEST_CASE("index_select: n-d indices replace the axis (embedding lookup)", "[index]", float, double) {
  Variable<TestType> W = variable<TestType>({{0, 1}, {10, 11}, {20, 21}}, true);
  const IndexTensor ids = {{2, 0, 2}, {1, 1, 0}};
  Variable<TestType> e = index_select(W, 0, ids);
  REQUIRE(e.shape() == Shape{2, 3, 2});
  CHECK(e.data()(0, 0, 1) == 21);
  CHECK(e.data()(1, 1, 0) == 10);
  CHECK(e.data()(1, 2, 1) == 1);
  sum(e).backward();
  // Row 0 picked twice, row 1 twice, row 2 twice: each gradient adds up.
  CHECK((W.grad().data() == Tensor<TestType>{{2, 2}, {2, 2}, {2, 2}}));
}

TEST_CASE("index_select on a middle axis and index_add as its backward", "[index]") {
  Var64 x = variable<double>({{{1, 2}, {3, 4}, {5, 6}}}, true);  // (1,3,2)
  Var64 y = index_select(x, 1, IndexTensor{2, 2});
  CHECK(y.shape() == Shape{1, 2, 2});
  CHECK(y.data()(0, 1, 1) == 6);
  Var64 g = grad(sum(mul(y, y)), x, true);
  CHECK(g.op() == std::string("index_add"));
  CHECK(g.data()(0, 2, 0) == 2 * 5 * 2);
  CHECK(g.data()(0, 0, 0) == 0);
  Var64 a = index_add(variable<double>({{1, 2, 3}}), 1, IndexTensor{0, 0, 3}, 4);
  CHECK((a.data() == Tensor<double>{{3, 0, 0, 3}}));
}

TEST_CASE("index_select / index_add: errors name the index, its position and the extent", "[index][errors]") {
  Var W = zeros<float>({5, 3});
  try {
    index_select(W, 0, IndexTensor{{0, 1, 2}, {3, 9, 4}});
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "index_select: index 9 at position (1,1) is out of range [0, 5) for axis 0 of (5,3)"));
  }
  CHECK_THROWS_AS(index_select(W, 0, IndexTensor{-1}), std::invalid_argument);
  CHECK_THROWS_AS(index_select(W, 2, IndexTensor{0}), std::invalid_argument);
  CHECK(index_add(ones<float>({2, 3}), 0, IndexTensor{3, 3}, 4).data()(3, 1) == 2);  // valid: (2) at axis 0
  try {
    index_add(zeros<float>({2, 3}), 1, IndexTensor{0, 1}, 4);
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "index_add: x (2,3) does not hold the indices' shape (2) at axis 1"));
  }
  CHECK_THROWS_AS(index_add(zeros<float>({2, 3}), 0, IndexTensor{0, 7}, 4), std::invalid_argument);
}
