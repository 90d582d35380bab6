// ops/shape: values, gradients (including duplicate indices), the op each backward records (so the
// backward stays differentiable), and error types and messages.
#include <catch2/catch.hpp>
#include <minidl/minidl.hpp>
#include <xtensor/xmanipulation.hpp>

using namespace minidl;

namespace {

Var64 v64(Tensor<double> t, bool requires_grad = true) { return Var64(std::move(t), requires_grad); }

// A (rows, cols) tensor holding 0, 1, 2, ... in row-major order.
Tensor<double> iota(const Shape& s) {
  Tensor<double> t = Tensor<double>::from_shape(s);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = double(i);
  return t;
}

// An (n,1) column: a nested brace list {{5},{6}} is ambiguous for xarray.
Tensor<double> column(std::initializer_list<double> values) {
  Tensor<double> t = Tensor<double>(values);
  t.reshape({values.size(), std::size_t(1)});
  return t;
}

// The recording op of v, or "(leaf)": op() is nullptr for a leaf.
std::string op_name(const Var64& v) { return v.op() ? v.op() : "(leaf)"; }

void require_gradcheck(const GradcheckFn& f, const std::vector<Var64>& inputs) {
  const GradcheckReport r = gradcheck(f, inputs);
  INFO(r.str());
  REQUIRE(r.passed);
}

}  // namespace

TEST_CASE("reshape: values, -1 inference, identity, backward", "[shape]") {
  Var64 x = v64(iota({2, 3, 4}));
  Var64 y = reshape(x, {6, -1});
  REQUIRE(y.shape() == Shape{6, 4});
  REQUIRE(y.data().data()[13] == 13.0);
  REQUIRE(reshape(x, {-1}).shape() == Shape{24});
  REQUIRE(reshape(x, Shape{4, 6}).shape() == Shape{4, 6});
  // Same shape: no new node, no copy.
  REQUIRE(reshape(x, Shape{2, 3, 4}).node() == x.node());

  Var64 w = v64(iota({6, 4}), false);
  sum_to(mul(y, w), Shape{}).backward();
  REQUIRE(x.grad().shape() == Shape{2, 3, 4});
  REQUIRE(x.grad().data().data()[13] == 13.0);
}

TEST_CASE("reshape: errors name the op and both shapes", "[shape][errors]") {
  Var64 x = v64(iota({2, 3}));
  REQUIRE_THROWS_MATCHES(reshape(x, {4, 2}), std::invalid_argument,
                         Catch::Message("reshape: cannot reshape (2,3) to (4,2)"));
  REQUIRE_THROWS_MATCHES(reshape(x, {4, -1}), std::invalid_argument,
                         Catch::Message("reshape: cannot reshape (2,3) to (4,-1)"));
  REQUIRE_THROWS_MATCHES(reshape(x, {-1, -1}), std::invalid_argument,
                         Catch::Message("reshape: cannot reshape (2,3) to (-1,-1) (only one extent may be -1)"));
  REQUIRE_THROWS_AS(reshape(x, {-2, -3}), std::invalid_argument);
  REQUIRE_THROWS_MATCHES(reshape(x, Shape{5}), std::invalid_argument,
                         Catch::Message("reshape: cannot reshape (2,3) to (5)"));
}

TEST_CASE("flatten: (N,C,H,W) -> (N,C*H*W) as the book does, and from axis 0", "[shape]") {
  Var64 x = v64(iota({2, 3, 2, 2}));
  Var64 y = flatten(x);
  REQUIRE(y.shape() == Shape{2, 12});
  REQUIRE(y.data()(1, 5) == 17.0);
  REQUIRE(flatten(x, 0).shape() == Shape{24});
  REQUIRE(flatten(x, -1).shape() == Shape{2, 3, 2, 2});
  REQUIRE_THROWS_MATCHES(flatten(x, 4), std::invalid_argument,
                         Catch::Message("flatten: axis 4 is out of range for shape (2,3,2,2)"));
  REQUIRE_THROWS_AS(flatten(Var64(full_tensor<double>({}, 1.0))), std::invalid_argument);
  require_gradcheck([](const std::vector<Var64>& v) { return flatten(v[0]); },
                    {uniform<double>({2, 3, 2}, -1, 1, true)});
}

TEST_CASE("transpose and permute: values, backward, errors", "[shape]") {
  Var64 a = v64(iota({40, 33}));
  Var64 at = transpose(a);
  REQUIRE(at.shape() == Shape{33, 40});
  Tensor<double> expect = xt::transpose(a.data());
  REQUIRE((at.data() == expect));
  REQUIRE(op_name(at) == "transpose");

  Var64 x = v64(iota({2, 3, 4}));
  Var64 p = permute(x, {2, 0, 1});
  REQUIRE(p.shape() == Shape{4, 2, 3});
  Tensor<double> pe = xt::transpose(x.data(), {2, 0, 1});
  REQUIRE((p.data() == pe));
  // y[i,j,k] = x[j,k,i]
  REQUIRE(p.data()(3, 1, 2) == x.data()(1, 2, 3));

  // The backward is the inverse permutation: grad of <p, w> is w permuted back.
  Var64 w = v64(iota({4, 2, 3}), false);
  sum_to(mul(p, w), Shape{}).backward();
  Tensor<double> back = xt::transpose(w.data(), {1, 2, 0});
  REQUIRE((x.grad().data() == back));

  REQUIRE_THROWS_MATCHES(transpose(x), std::invalid_argument,
                         Catch::Message("transpose: needs a 2-D tensor, got (2,3,4) (use permute for n-d)"));
  REQUIRE_THROWS_MATCHES(permute(x, {0, 0, 1}), std::invalid_argument,
                         Catch::Message("permute: axes (0,0,1) are not a permutation of the axes of (2,3,4)"));
  REQUIRE_THROWS_AS(permute(x, {1, 0}), std::invalid_argument);
}

TEST_CASE("gather_rows: duplicates gather and their gradients add up", "[shape]") {
  Var64 x = v64(iota({4, 3}));
  Var64 y = gather_rows(x, {2, 0, 2});
  REQUIRE((y.data() == Tensor<double>{{6, 7, 8}, {0, 1, 2}, {6, 7, 8}}));

  Var64 w = v64(Tensor<double>{{1, 2, 3}, {10, 20, 30}, {100, 200, 300}}, false);
  sum_to(mul(y, w), Shape{}).backward();
  REQUIRE((x.grad().data() == Tensor<double>{{10, 20, 30}, {0, 0, 0}, {101, 202, 303}, {0, 0, 0}}));

  // n-d rows and an empty selection.
  Var64 x3 = v64(iota({3, 2, 2}));
  REQUIRE((gather_rows(x3, {1}).data() == Tensor<double>{{{4, 5}, {6, 7}}}));
  REQUIRE(gather_rows(x3, {}).shape() == Shape{0, 2, 2});
}

TEST_CASE("gather_rows / scatter_add_rows are each other's recorded backward", "[shape][higher-order]") {
  Var64 x = v64(iota({4, 3}));
  Var64 y = gather_rows(x, {3, 1, 3});
  Var64 gx = grad(sum_to(mul(y, y), Shape{}), x, /*create_graph=*/true);
  REQUIRE(op_name(gx) == "scatter_add_rows");
  // d/dx Σ (x[idx])² = 2·scatter_add(x[idx]): row 3 twice, row 1 once.
  REQUIRE((gx.data() == Tensor<double>{{0, 0, 0}, {6, 8, 10}, {0, 0, 0}, {36, 40, 44}}));

  Var64 s = scatter_add_rows(gather_rows(x, {0, 0}), {1, 1}, 2);
  REQUIRE(op_name(s) == "scatter_add_rows");
  REQUIRE((s.data() == Tensor<double>{{0, 0, 0}, {0, 2, 4}}));
  // The gradient of a gather, recorded with create_graph, is a scatter_add_rows node.
  // (Squares, so the gradient depends on x and create_graph records it.)
  Var64 g = grad(sum_to(square(gather_rows(x, {1, 1})), Shape{}), x, true);
  REQUIRE(op_name(g) == "scatter_add_rows");
  Var64 g2 = grad(sum_to(square(scatter_add_rows(x, {0, 0, 1, 1}, 2)), Shape{}), x, true);
  REQUIRE(op_name(g2) == "gather_rows");

  require_gradcheck(
      [](const std::vector<Var64>& v) {
        return gather_rows(v[0], {2, 0, 2, 3});
      },
      {uniform<double>({4, 3}, -1, 1, true)});
  const GradcheckReport gg = gradgradcheck(
      [](const std::vector<Var64>& v) {
        return mul(gather_rows(v[0], {2, 2, 1}), gather_rows(v[0], {0, 2, 2}));
      },
      {uniform<double>({3, 2}, -1, 1, true)});
  INFO(gg.str());
  REQUIRE(gg.passed);
}

TEST_CASE("gather_rows / scatter_add_rows: errors name index, position and extent", "[shape][errors]") {
  Var64 x = v64(iota({5, 3}));
  REQUIRE_THROWS_MATCHES(gather_rows(x, {0, 4, 7}), std::invalid_argument,
                         Catch::Message("gather_rows: index 7 (position 2) is out of range for extent 5 of x (5,3)"));
  REQUIRE_THROWS_AS(gather_rows(Var64(full_tensor<double>({}, 1.0)), {0}), std::invalid_argument);
  REQUIRE_THROWS_MATCHES(scatter_add_rows(x, {0, 1}, 4), std::invalid_argument,
                         Catch::Message("scatter_add_rows: x (5,3) has 5 rows but 2 indices were given"));
  REQUIRE_THROWS_MATCHES(scatter_add_rows(x, {0, 1, 2, 3, 4}, 4), std::invalid_argument,
                         Catch::Message("scatter_add_rows: index 4 (position 4) is out of range for extent 4"));
}

TEST_CASE("slice and pad_axis: values, backward op, errors", "[shape]") {
  Var64 x = v64(iota({3, 5}));
  Var64 s = slice(x, 1, 1, 4);
  REQUIRE((s.data() == Tensor<double>{{1, 2, 3}, {6, 7, 8}, {11, 12, 13}}));
  REQUIRE((slice(x, 0, 2, 3).data() == Tensor<double>{{10, 11, 12, 13, 14}}));
  REQUIRE(slice(x, -1, 2, 2).shape() == Shape{3, 0});
  REQUIRE(slice(x, 0, 0, 3).node() == x.node());  // the whole range is x itself

  Var64 x3 = v64(iota({2, 4, 3}));
  Var64 m = slice(x3, 1, 1, 3);
  REQUIRE((m.data() == Tensor<double>{{{3, 4, 5}, {6, 7, 8}}, {{15, 16, 17}, {18, 19, 20}}}));

  Var64 p = pad_axis(v64(Tensor<double>{{1, 2}, {3, 4}}), -1, 1, 2);
  REQUIRE((p.data() == Tensor<double>{{0, 1, 2, 0, 0}, {0, 3, 4, 0, 0}}));
  REQUIRE((pad_axis(v64(Tensor<double>{{1, 2}}), 0, 1, 0).data() == Tensor<double>{{0, 0}, {1, 2}}));

  // slice's gradient is gy padded into zeros, recorded as a pad_axis node; pad_axis's is a slice.
  Var64 g = grad(sum_to(mul(s, s), Shape{}), x, true);
  REQUIRE(op_name(g) == "pad_axis");
  REQUIRE((g.data() == Tensor<double>{{0, 2, 4, 6, 0}, {0, 12, 14, 16, 0}, {0, 22, 24, 26, 0}}));
  Var64 y = v64(iota({2, 2}));
  Var64 gp = grad(sum_to(square(pad_axis(y, 1, 1, 1)), Shape{}), y, true);
  REQUIRE(op_name(gp) == "slice");

  REQUIRE_THROWS_MATCHES(slice(x, 1, 2, 6), std::invalid_argument,
                         Catch::Message("slice: range [2, 6) does not fit extent 5 of axis 1 of (3,5)"));
  REQUIRE_THROWS_AS(slice(x, 1, 3, 2), std::invalid_argument);
  REQUIRE_THROWS_MATCHES(slice(x, 2, 0, 1), std::invalid_argument,
                         Catch::Message("slice: axis 2 is out of range for shape (3,5)"));
  REQUIRE_THROWS_AS(pad_axis(x, -3, 1, 1), std::invalid_argument);

  require_gradcheck([](const std::vector<Var64>& v) { return slice(v[0], 1, 1, 3); },
                    {uniform<double>({2, 4, 3}, -1, 1, true)});
  require_gradcheck([](const std::vector<Var64>& v) { return pad_axis(v[0], 0, 2, 1); },
                    {uniform<double>({2, 3}, -1, 1, true)});
}

TEST_CASE("concat: values along each axis, gradients are slices, errors", "[shape]") {
  Var64 a = v64(Tensor<double>{{1, 2}, {3, 4}});
  Var64 b = v64(column({5, 6}));
  Var64 c = v64(Tensor<double>{{7, 8, 9}}, false);
  Var64 y = concat<double>({a, b}, 1);
  REQUIRE((y.data() == Tensor<double>{{1, 2, 5}, {3, 4, 6}}));
  Var64 z = concat<double>({y, c}, 0);
  REQUIRE((z.data() == Tensor<double>{{1, 2, 5}, {3, 4, 6}, {7, 8, 9}}));
  REQUIRE((concat<double>({a}, -1).data() == a.data()));

  Var64 w = v64(iota({3, 3}), false);
  sum_to(mul(z, w), Shape{}).backward();
  REQUIRE((a.grad().data() == Tensor<double>{{0, 1}, {3, 4}}));
  REQUIRE((b.grad().data() == column({2, 5})));
  REQUIRE_FALSE(c.has_grad());

  REQUIRE_THROWS_MATCHES(concat<double>({a, b}, 0), std::invalid_argument,
                         Catch::Message("concat: shapes (2,2) and (2,1) differ outside axis 0"));
  REQUIRE_THROWS_MATCHES(concat<double>({}, 0), std::invalid_argument,
                         Catch::Message("concat: needs at least one tensor, got an empty list"));
  REQUIRE_THROWS_AS(concat<double>({a, v64(iota({2}))}, 0), std::invalid_argument);
  require_gradcheck(
      [](const std::vector<Var64>& v) {
        return concat<double>({v[0], v[1], v[0]}, 1);
      },
      {uniform<double>({2, 3}, -1, 1, true), uniform<double>({2, 1}, -1, 1, true)});
}

TEST_CASE("shape ops run in float32 too", "[shape][float]") {
  Var x(Tensor<float>{{1, 2, 3}, {4, 5, 6}}, true);
  Var y = concat<float>({slice(transpose(x), 0, 1, 3), gather_rows(reshape(x, {3, 2}), {0})}, 0);
  REQUIRE((y.data() == Tensor<float>{{2, 5}, {3, 6}, {1, 2}}));
  sum_to(y, Shape{}).backward();
  REQUIRE((x.grad().data() == Tensor<float>{{1, 2, 1}, {0, 1, 1}}));
  REQUIRE((flatten(permute(x, {1, 0}), 0).data() == Tensor<float>{1, 4, 2, 5, 3, 6}));
  REQUIRE(pad_axis(x, 0, 0, 1).shape() == Shape{3, 3});
  REQUIRE((scatter_add_rows(x, {1, 1}, 3).data() == Tensor<float>{{0, 0, 0}, {5, 7, 9}, {0, 0, 0}}));
}
