// The README's short tour, compiled as part of the build so it can never go stale.
#include <iostream>

#include <minidl/minidl.hpp>
using namespace minidl;

int main(int argc, char** argv) {
  if (minidl::print_version_if_requested(argc, argv, "tour")) return 0;
  // Variables are cheap handles to graph nodes; ops record the graph as they run.
  auto x = variable<double>({{1.0, 2.0}, {3.0, 4.0}}, /*requires_grad=*/true);
  auto y = sum(x * x + x);            // a diamond: x is used twice
  y.backward();                       // x.grad() == 2x + 1
  std::cout << x.grad() << "\n";

  // Second derivatives: the backward pass can itself be recorded.
  auto a = scalar<double>(2.0, true);
  auto g = grad(pow(a, 4.0), a, /*create_graph=*/true);   // 4a³ = 32
  auto g2 = grad(g, a);                                    // 12a² = 48
  std::cout << "d/da a^4 = " << g.item() << ", d2/da2 a^4 = " << g2.item() << "\n";

  // Check any function's gradient against central differences, element by element.
  auto w = randn<double>({3, 4}, 0.0, 1.0, true);
  auto report = gradcheck([](const std::vector<Var64>& in) { return sum(tanh(matmul(in[0], in[0], true))); }, {w});
  std::cout << report << "\n";        // per input: worst element, both values, errors, failures
  return report.passed && g2.item() == 48.0 ? 0 : 1;
}
