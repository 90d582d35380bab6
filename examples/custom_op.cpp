// Defining a new op from outside the library: softplus(x) = log(1 + eˣ), with its own forward on
// tensors and a backward written with Variable ops, then gradient-checked to first and second order.
//
//   build/custom_op      (exits non-zero if a check fails)

#include <cmath>
#include <iostream>

#include <xtensor/xmath.hpp>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

constexpr std::uint64_t kSeed = 3;      // inputs for the check: same every run
constexpr double kLo = -4.0, kHi = 4.0; // softplus is smooth everywhere: any range works
constexpr double kPoint = 0.5;          // where the derivative is printed

/// y = softplus(x) = log(1 + exp(x)), elementwise, any shape.
/// Backward: gy * sigmoid(x). The derivative sigmoid(x) is built from Variable ops (not computed
/// once on tensors), so the backward is itself differentiable and second derivatives work.
template <typename T>
Variable<T> softplus(const Variable<T>& x) {
  // Forward on tensors: max(x, 0) + log1p(exp(-|x|)) is the overflow-free form of log(1 + eˣ).
  Tensor<T> y = xt::maximum(x.data(), T(0)) + xt::log1p(xt::exp(-xt::abs(x.data())));
  return record<T>("softplus", std::move(y), {x},
                   [](const std::vector<Variable<T>>& in, const Variable<T>&, const Variable<T>& gy) {
                     return std::vector<Variable<T>>{mul(gy, sigmoid(in[0]))};
                   });
}

}  // namespace

int main(int argc, char** argv) {
  if (minidl::print_version_if_requested(argc, argv, "custom_op")) return 0;
  // The op on its own.
  Var64 x = scalar<double>(kPoint, true);
  Var64 y = softplus(x);
  y.backward();
  std::cout << "softplus(" << kPoint << ") = " << y.item() << "  (log(1 + e^x) = " << std::log1p(std::exp(kPoint))
            << ")\n"
            << "d/dx at " << kPoint << " = " << x.grad().item() << "  (sigmoid = " << 1 / (1 + std::exp(-kPoint))
            << ")\n\n";

  // First derivatives: every element of a matrix input, against central differences.
  Generator gen(kSeed);
  std::vector<Var64> inputs = {uniform<double>({3, 4}, gen, kLo, kHi, true)};
  auto f = [](const std::vector<Var64>& v) { return softplus(v[0]); };
  const GradcheckReport first = gradcheck(f, inputs);
  std::cout << first << "\n";

  // Second derivatives: the backward itself is differentiated (sigmoid' = s(1-s)).
  const GradcheckReport second = gradgradcheck(f, inputs);
  std::cout << second << "\n";

  // The op inside a larger graph, with another input: softplus(x·W) summed.
  std::vector<Var64> net = {uniform<double>({2, 3}, gen, -1, 1, true), uniform<double>({3, 2}, gen, -1, 1, true)};
  const GradcheckReport in_graph =
      gradcheck([](const std::vector<Var64>& v) { return sum(softplus(matmul(v[0], v[1]))); }, net);
  std::cout << in_graph << "\n";

  const bool ok = first.passed && second.passed && in_graph.passed;
  std::cout << (ok ? "softplus passes gradcheck and gradgradcheck\n" : "softplus FAILED a check\n");
  return ok ? 0 : 1;
}
