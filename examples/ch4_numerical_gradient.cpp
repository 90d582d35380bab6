// The book's chapter 4, sections 4.3-4.4: numerical differentiation, the gradient of function_2,
// and gradient descent with a good, a too-large and a too-small learning rate.
//
//   build/ch4_numerical_gradient      (exits non-zero if a result disagrees with the book)

#include <cmath>
#include <cstdio>

#include <minidl/check/numerical.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

constexpr double kH = 1e-4;              // the book's step for numerical differentiation
constexpr double kGoodLr = 0.1;          // converges to the minimum (0, 0)
constexpr double kLargeLr = 10.0;        // overshoots further every step: diverges
constexpr double kSmallLr = 1e-10;       // so small that x hardly moves
constexpr std::size_t kSteps = 100;      // the book's step_num
constexpr double kTolerance = 1e-6;      // how close "agrees with the book" has to be

// f(x) = 0.01x² + 0.1x (the book's function_1): f'(x) = 0.02x + 0.1.
double function_1(double x) { return 0.01 * x * x + 0.1 * x; }
// f(x0, x1) = x0² + x1² (the book's function_2): gradient (2x0, 2x1).
double function_2(const Tensor<double>& x) { return x(0) * x(0) + x(1) * x(1); }

bool near(double got, double want, double tol) { return std::fabs(got - want) <= tol; }

}  // namespace

int main(int argc, char** argv) {
  if (minidl::print_version_if_requested(argc, argv, "ch4_numerical_gradient")) return 0;
  bool ok = true;

  std::printf("numerical_diff(function_1):\n");
  for (double x : {5.0, 10.0}) {
    const double d = numerical_diff(function_1, x, kH);
    std::printf("  f'(%4.1f) = %.16f  (exact %.2f)\n", x, d, 0.02 * x + 0.1);
    ok = ok && near(d, 0.02 * x + 0.1, kTolerance);
  }

  std::printf("numerical_gradient(function_2):\n");
  const double points[3][2] = {{3.0, 4.0}, {0.0, 2.0}, {3.0, 0.0}};
  for (const auto& p : points) {
    Tensor<double> x = {p[0], p[1]};
    const Tensor<double> g = numerical_gradient(function_2, x, kH);
    std::printf("  at (%.1f, %.1f): (%.8f, %.8f)\n", p[0], p[1], g(0), g(1));
    ok = ok && near(g(0), 2 * p[0], kTolerance) && near(g(1), 2 * p[1], kTolerance);
  }

  std::printf("gradient_descent(function_2) from (-3, 4), %zu steps:\n", kSteps);
  const Tensor<double> init = {-3.0, 4.0};
  std::vector<Tensor<double>> path;
  const Tensor<double> good = gradient_descent(function_2, init, kGoodLr, kSteps, &path);
  const Tensor<double> large = gradient_descent(function_2, init, kLargeLr, kSteps);
  const Tensor<double> small = gradient_descent(function_2, init, kSmallLr, kSteps);
  std::printf("  lr = %-6g -> (%.6e, %.6e)   converged\n", kGoodLr, good(0), good(1));
  std::printf("  lr = %-6g -> (%.6e, %.6e)   diverged\n", kLargeLr, large(0), large(1));
  std::printf("  lr = %-6g -> (%.10f, %.10f)   barely moved\n", kSmallLr, small(0), small(1));
  std::printf("  path of the lr = %g run (first 5 of %zu points):", kGoodLr, path.size());
  for (std::size_t i = 0; i < 5 && i < path.size(); ++i) std::printf(" (%.3f, %.3f)", path[i](0), path[i](1));
  std::printf("\n");
  ok = ok && near(good(0), 0.0, 1e-8) && near(good(1), 0.0, 1e-8);
  ok = ok && std::fabs(large(0)) > 1e10;
  ok = ok && near(small(0), -3.0, 1e-6) && small(0) != -3.0;

  std::printf(ok ? "all results agree with the book\n" : "MISMATCH with the book's results\n");
  return ok ? 0 : 1;
}
