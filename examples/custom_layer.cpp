// Writing and gradient-checking a custom layer: the worked example of docs/custom_layer.md.
//
// The layer is a "gated linear unit": y = (x·W + b) ⊙ sigmoid(x·V + c). It needs one op minidl does
// not have, `swish_gate(a, g) = a ⊙ sigmoid(g)`, written here with its own forward and backward, and
// a Module that owns four parameters. Both are checked against central differences in float64.
#include <cmath>
#include <iostream>

#include <minidl/minidl.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kBatch = 4;     // rows in the checked batch (more than one, so batch effects show)
constexpr std::size_t kIn = 5;        // input features
constexpr std::size_t kOut = 3;       // output features
constexpr std::uint64_t kSeed = 2024; // fixed: the same check every run

/// y = a ⊙ sigmoid(g), elementwise; a and g have the same shape.
/// Backward: ga = gy ⊙ s, gg = gy ⊙ a ⊙ s ⊙ (1 − s), with s = sigmoid(g).
template <typename T>
Variable<T> swish_gate(const Variable<T>& a, const Variable<T>& g) {
  if (a.shape() != g.shape()) {
    throw std::invalid_argument("swish_gate: shapes " + shape_str(a.shape()) + " and " + shape_str(g.shape()) +
                                " differ");
  }
  // Forward on tensors: one vectorized expression into a preallocated output.
  Tensor<T> y = Tensor<T>::from_shape(a.data().shape());
  xt::noalias(y) = a.data() / (T(1) + xt::exp(-g.data()));
  // Backward with Variable ops, so second derivatives work too (see docs/adding_an_op.md).
  return record<T>("swish_gate", std::move(y), {a, g}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    const Variable<T> s = sigmoid(in[1]);
    return Grads<T>{gy * s, gy * in[0] * s * (1.0 - s)};
  });
}

/// A gated linear layer: y = (x·W + b) ⊙ sigmoid(x·V + c), x (N,in) -> y (N,out).
template <typename T>
class GatedLinear : public Module<T> {
 public:
  GatedLinear(std::size_t in, std::size_t out, Generator& gen) {
    W = this->register_parameter("W", Variable<T>(init_weight<T>({in, out}, in, Init::Xavier, gen)));
    b = this->register_parameter("b", zeros<T>({out}));
    V = this->register_parameter("V", Variable<T>(init_weight<T>({in, out}, in, Init::Xavier, gen)));
    c = this->register_parameter("c", zeros<T>({out}));
  }
  Variable<T> forward(const Variable<T>& x) override { return swish_gate(linear(x, W, b), linear(x, V, c)); }
  std::string describe() const override { return "GatedLinear"; }

  Variable<T> W, b, V, c;
};

}  // namespace

int main(int argc, char** argv) {
  if (minidl::print_version_if_requested(argc, argv, "custom_layer")) return 0;
  Generator gen(kSeed);

  // 1. The op alone: every element of both inputs, first and second derivatives.
  auto a = randn<double>({kBatch, kOut}, gen, 0.0, 1.0, true);
  auto g = randn<double>({kBatch, kOut}, gen, 0.0, 1.0, true);
  auto op = [](const std::vector<Var64>& in) { return swish_gate(in[0], in[1]); };
  const GradcheckReport op_report = gradcheck(op, {a, g});
  const GradcheckReport op_report2 = gradgradcheck(op, {a, g});
  std::cout << "swish_gate:\n" << op_report << "\nswish_gate (second order):\n" << op_report2 << "\n";

  // 2. The layer inside a loss: the input and every parameter, as a model would use it.
  GatedLinear<double> layer(kIn, kOut, gen);
  auto x = randn<double>({kBatch, kIn}, gen, 0.0, 1.0, true);
  const std::vector<std::size_t> labels{0, 2, 1, 2};
  std::vector<Var64> checked{x};
  for (const auto& p : layer.parameters()) checked.push_back(p);
  // gradcheck perturbs these very Variables in place, so the closure may use the layer directly.
  const GradcheckReport layer_report =
      gradcheck([&](const std::vector<Var64>& in) { return softmax_cross_entropy(layer(in[0]), labels); }, checked);
  std::cout << "GatedLinear in softmax_cross_entropy:\n" << layer_report << "\n";

  const bool ok = op_report.passed && op_report2.passed && layer_report.passed;
  std::cout << (ok ? "all gradient checks passed" : "GRADIENT CHECK FAILED") << "\n";
  return ok ? 0 : 1;
}
