// Newton's method on f(x) = x⁴ - 2x², with f' and f'' from the autodiff engine: the second
// derivative is the gradient of the first, recorded with create_graph (DeZero's step 33).
//
//   x <- x - f'(x) / f''(x)
//
//   build/newton      (exits non-zero unless it converges to the minimum at x = 1)

#include <cmath>
#include <cstdio>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

constexpr double kStart = 2.0;         // the book's starting point
constexpr int kMaxIterations = 20;     // Newton converges quadratically: ~7 suffice from x = 2
constexpr double kTolerance = 1e-12;   // stop when the step is this small
constexpr double kMinimum = 1.0;       // f'(1) = 0 and f''(1) = 8 > 0: the minimum reached from x = 2

// f(x) = x⁴ - 2x², so f'(x) = 4x³ - 4x and f''(x) = 12x² - 4.
Var64 f(const Var64& x) { return pow(x, 4.0) - 2.0 * pow(x, 2.0); }

}  // namespace

int main(int argc, char** argv) {
  if (minidl::print_version_if_requested(argc, argv, "newton")) return 0;
  double x_value = kStart;
  bool converged = false;
  std::printf("%4s %22s %22s %22s\n", "iter", "x", "f'(x)", "f''(x)");
  for (int i = 0; i < kMaxIterations; ++i) {
    Var64 x = scalar<double>(x_value, true);
    Var64 y = f(x);
    Var64 g1 = grad(y, x, /*create_graph=*/true);  // f'(x), itself a recorded graph
    Var64 g2 = grad(g1, x);                        // f''(x): the gradient of the gradient
    const double d1 = g1.item(), d2 = g2.item();
    std::printf("%4d %22.16f %22.16f %22.16f\n", i, x_value, d1, d2);
    // Cross-check the engine against the closed forms on every iteration.
    if (std::fabs(d1 - (4 * std::pow(x_value, 3) - 4 * x_value)) > 1e-9 ||
        std::fabs(d2 - (12 * x_value * x_value - 4)) > 1e-9) {
      std::printf("derivatives disagree with the closed form\n");
      return 1;
    }
    const double step = d1 / d2;
    x_value -= step;
    if (std::fabs(step) < kTolerance) {
      converged = true;
      break;
    }
  }
  const bool ok = converged && std::fabs(x_value - kMinimum) < 1e-10;
  std::printf(ok ? "converged to x = %.16f\n" : "did not converge (x = %.16f)\n", x_value);
  return ok ? 0 : 1;
}
