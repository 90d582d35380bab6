// Modules: registration, qualified names, stable order, train/eval, printing, reuse.
#include <catch2/catch.hpp>

#include <sstream>
#include <stdexcept>
#include <string>

#include <minidl/minidl.hpp>
#include <minidl/nn/activation.hpp>
#include <minidl/nn/linear.hpp>
#include <minidl/nn/sequential.hpp>
#include <minidl/detail/matmul_as.hpp>

#include <minidl/models/mlp.hpp>

using namespace minidl;

namespace {
// A model with a child used twice, to check shared parameters are listed once and get both grads.
struct Siamese : Module<double> {
  explicit Siamese(Generator& gen) { shared = register_module("shared", std::make_shared<Linear<double>>(3, 3, gen)); }
  Variable<double> forward(const Variable<double>& x) override { return shared->forward(shared->forward(x)); }
  std::shared_ptr<Linear<double>> shared;
};
}  // namespace

TEST_CASE("Module names parameters by path in registration order", "[nn]") {
  Generator gen(1);
  models::MLP<float> mlp({784, 50, 20, 10}, gen);
  std::vector<std::string> names;
  for (const auto& [name, p] : mlp.named_parameters()) names.push_back(name);
  REQUIRE(names == std::vector<std::string>{"fc1.W", "fc1.b", "fc2.W", "fc2.b", "fc3.W", "fc3.b"});
  REQUIRE(mlp.parameters().size() == 6);
  REQUIRE(mlp.num_parameters() == 784 * 50 + 50 + 50 * 20 + 20 + 20 * 10 + 10);
  for (const auto& p : mlp.parameters()) REQUIRE(p.requires_grad());
  REQUIRE(mlp.parameters()[0].shape() == Shape{784, 50});
  REQUIRE(mlp.parameters()[1].shape() == Shape{50});
}

TEST_CASE("Module zero_grad clears every parameter's gradient", "[nn]") {
  Generator gen(2);
  models::MLP<double> mlp({4, 3, 2}, gen);
  auto x = randn<double>({5, 4}, gen);
  sum(mlp(x)).backward();
  for (const auto& p : mlp.parameters()) REQUIRE(p.has_grad());
  mlp.zero_grad();
  for (const auto& p : mlp.parameters()) REQUIRE_FALSE(p.has_grad());
}

TEST_CASE("train() and eval() propagate to children", "[nn]") {
  Generator gen(3);
  models::MLP<float> mlp({4, 3, 2}, gen);
  REQUIRE(mlp.is_training());
  mlp.eval();
  REQUIRE_FALSE(mlp.is_training());
  for (const auto& [name, child] : mlp.children()) REQUIRE_FALSE(child->is_training());
  mlp.train();
  for (const auto& [name, child] : mlp.children()) REQUIRE(child->is_training());
}

TEST_CASE("A module applied twice lists its parameters once and accumulates both uses", "[nn]") {
  Generator gen(4);
  Siamese net(gen);
  REQUIRE(net.named_parameters().size() == 2);
  auto x = randn<double>({2, 3}, gen);
  // Analytic check of the accumulated gradient against gradcheck of the same function.
  auto W = net.shared->W, b = net.shared->b;
  auto report = gradcheck([&](const std::vector<Var64>& in) { return sum(linear(linear(x, in[0], in[1]), in[0], in[1])); },
                          {W, b});
  INFO(report);
  REQUIRE(report.passed);
  sum(net(x)).backward();
  auto expected = grad(sum(linear(linear(x, W, b), W, b)), W);
  REQUIRE(xt::allclose(W.grad().data(), expected.data()));
}

TEST_CASE("Module printing shows the tree with shapes", "[nn]") {
  Generator gen(5);
  models::MLP<float> mlp({4, 3, 2}, gen);
  std::ostringstream out;
  out << mlp;
  const std::string s = out.str();
  REQUIRE(s.find("MLP(4-3-2)") != std::string::npos);
  REQUIRE(s.find("fc1: Linear(4 -> 3)") != std::string::npos);
  REQUIRE(s.find("W: (4,3)") != std::string::npos);
  REQUIRE(s.find("act1: ReLU") != std::string::npos);
}

TEST_CASE("Registration rejects bad and duplicate names", "[nn]") {
  struct Bad : Module<float> {
    Variable<float> forward(const Variable<float>& x) override { return x; }
    void dup() {
      register_parameter("w", zeros<float>({1}));
      register_parameter("w", zeros<float>({1}));
    }
    void dotted() { register_parameter("a.b", zeros<float>({1})); }
  };
  Bad bad;
  REQUIRE_THROWS_WITH(bad.dup(), Catch::Contains("registered twice"));
  REQUIRE_THROWS_AS(bad.dotted(), std::invalid_argument);
}

TEST_CASE("Linear computes x W + b and checks widths", "[nn]") {
  Generator gen(6);
  Linear<double> fc(3, 2, gen);
  fc.W.data() = Tensor<double>{{1, 2}, {3, 4}, {5, 6}};
  fc.b.data() = Tensor<double>{10, 20};
  auto y = fc(variable<double>({{1, 1, 1}}));
  REQUIRE(y.data()(0, 0) == Approx(19));
  REQUIRE(y.data()(0, 1) == Approx(32));
  REQUIRE_THROWS_WITH(fc(zeros<double>({2, 4})), Catch::Contains("linear: x (2,4) x W (3,2)"));
  // (N,C,H,W) input is flattened like the book's Affine.
  Linear<double> fc2(12, 2, gen);
  REQUIRE(fc2(zeros<double>({5, 3, 2, 2})).shape() == Shape{5, 2});
}

TEST_CASE("Initialisers draw with the documented spread from the seeded generator", "[nn]") {
  Generator g1(7), g2(7);
  auto a = init_weight<double>({400, 300}, 400, Init::He, g1);
  auto b = init_weight<double>({400, 300}, 400, Init::He, g2);
  REQUIRE((a == b));  // same seed, same weights
  auto stddev = [](const Tensor<double>& t) { return std::sqrt(xt::variance(t)()); };
  REQUIRE(stddev(a) == Approx(std::sqrt(2.0 / 400)).epsilon(0.02));
  REQUIRE(stddev(init_weight<double>({400, 300}, 400, Init::Xavier, g1)) == Approx(std::sqrt(1.0 / 400)).epsilon(0.02));
  REQUIRE(stddev(init_weight<double>({400, 300}, 400, Init::Std, g1, 0.01)) == Approx(0.01).epsilon(0.02));
  REQUIRE(parse_init("He") == Init::He);
  REQUIRE_THROWS_WITH(parse_init("lecun"), Catch::Contains("unknown initialisation 'lecun'"));
}

TEST_CASE("linear reads (N,...) and (...,D) inputs in place: no reshape, the same values and gradients",
          "[nn][linear]") {
  Generator gen(11);
  Linear<double> fc(12, 3, gen);
  for (const Shape& shape : {Shape{3, 3, 2, 2}, Shape{2, 2, 12}}) {
    INFO("x " << shape_str(shape));
    const Var64 x = uniform<double>(shape, gen, -1, 1, true);
    const Var64 y = fc(x);
    // One recorded op straight on x: nothing copies x into a 2-D tensor first.
    REQUIRE(y.op() != nullptr);
    CHECK(std::string(y.op()) == "linear");
    REQUIRE(y.inputs().size() == 3);
    CHECK(y.inputs()[0].node() == x.node());
    // The same product as on an explicit 2-D copy, bit for bit, values and gradients.
    const std::size_t rows = x.size() / 12;
    const Var64 x2 = Var64(Tensor<double>(reshape(x, Shape{rows, 12}).data()), true);
    const Var64 y2 = linear(x2, fc.W, fc.b);
    const Var64 g = uniform<double>(y.shape(), gen, -1, 1);
    CHECK((y.data() == reshape(y2, y.shape()).data()));
    fc.zero_grad();
    y.backward(g.data());
    const Tensor<double> gw = fc.W.grad().data(), gb = fc.b.grad().data();
    fc.zero_grad();
    y2.backward(reshape(g, y2.shape()).data());
    REQUIRE(x.grad().shape() == shape);
    CHECK((x.grad().data() == reshape(x2.grad(), shape).data()));
    CHECK((gw == fc.W.grad().data()));
    CHECK((gb == fc.b.grad().data()));
  }
  // Widths that fit neither reading are refused, naming both shapes.
  try {
    fc(uniform<double>({2, 5, 7}, gen));
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK_THAT(e.what(), Catch::Contains("linear: x (2,5,7) x W (12,3)"));
  }
  // matmul_as checks that each read covers its tensor and that the result fits the shape.
  const Var64 a = uniform<double>({2, 6}, gen), b = uniform<double>({3, 4}, gen);
  using detail::MatrixView;
  CHECK_THROWS_WITH(detail::matmul_as(a, MatrixView{4, 3}, b, MatrixView{3, 3}, false, false, TensorShape{4, 3}),
                    Catch::Contains("matmul_as: (2,6) read as (4,3) x (3,4) read as (3,3)"));
  CHECK_THROWS_WITH(detail::matmul_as(a, MatrixView{4, 3}, b, MatrixView{4, 3}, false, false, TensorShape{4, 3}),
                    Catch::Contains("inner extents"));
  CHECK_THROWS_WITH(detail::matmul_as(a, MatrixView{4, 3}, b, MatrixView{3, 4}, false, false, TensorShape{4, 3}),
                    Catch::Contains("into (4,3)"));
  CHECK(detail::matmul_as(a, MatrixView{4, 3}, b, MatrixView{3, 4}, false, false, TensorShape{2, 8}).shape() ==
        Shape{2, 8});
}
