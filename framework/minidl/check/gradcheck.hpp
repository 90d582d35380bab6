#pragma once
// Gradient checking as a library feature: compare backward() with central differences, element by
// element, in float64, and say exactly where and by how much they differ.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// The function under test: maps the inputs to one output (any shape).
using GradcheckFn = std::function<Variable<double>(const std::vector<Variable<double>>&)>;

/// Tolerances and switches for gradcheck. An element passes when
/// |analytic - numeric| <= atol + rtol * |numeric|.
struct GradcheckOptions {
  double eps = 1e-6;             ///< Central-difference step.
  double atol = 1e-5;            ///< Absolute tolerance.
  double rtol = 1e-3;            ///< Relative tolerance.
  bool allow_all_zero = false;   ///< Accept an input whose analytic and numeric gradients are both all zero.
  bool full_jacobian = false;    ///< Check every row of the Jacobian of a non-scalar output, instead of
                                 ///< one seeded random projection <output, r>.
  std::uint64_t seed = 0;        ///< Seed of the random projection for non-scalar outputs.
};

/// What gradcheck found for one input.
struct GradcheckInputReport {
  std::size_t input = 0;                 ///< Position in the inputs vector.
  Shape shape;                           ///< The input's shape.
  std::size_t checked = 0;               ///< Elements compared.
  std::size_t failed = 0;                ///< Elements outside tolerance (or non-finite).
  double max_abs_error = 0;              ///< Largest |analytic - numeric|.
  double max_rel_error = 0;              ///< Largest |analytic - numeric| / max(|numeric|, |analytic|, tiny).
  std::vector<std::size_t> worst_index;  ///< Multi-index of the element with the largest violation.
  double worst_analytic = 0;             ///< Analytic gradient at worst_index.
  double worst_numeric = 0;              ///< Numeric gradient at worst_index.
  bool all_zero = false;                 ///< Both gradients were zero everywhere (a likely false pass).
  bool non_finite = false;               ///< Some analytic or numeric value was NaN or infinite.
  bool passed = false;                   ///< This input passed.
};

/// The result of gradcheck: overall verdict plus one entry per input that requires grad.
struct GradcheckReport {
  bool passed = false;                       ///< Every checked input passed.
  std::vector<GradcheckInputReport> inputs;  ///< Per-input findings.
  std::string error;                         ///< Set when the check could not run (f threw, no inputs...).
  /// Largest relative error over all inputs.
  double max_rel_error() const;
  /// A readable multi-line account (what a failing test should print).
  std::string str() const;
};

/// Prints report.str().
std::ostream& operator<<(std::ostream& out, const GradcheckReport& report);

/// Compares f's backward() with central differences for every element of every input that
/// requires grad. Inputs are perturbed in place and restored. A non-scalar output is reduced by a
/// seeded random projection (or checked row by row with options.full_jacobian).
GradcheckReport gradcheck(const GradcheckFn& f, const std::vector<Variable<double>>& inputs,
                          const GradcheckOptions& options = {});

/// Checks second derivatives: gradcheck of x -> Σ_i <∂<f(x), u>/∂x_i, w_i> with seeded random u and w,
/// where the inner gradients are computed with create_graph.
GradcheckReport gradgradcheck(const GradcheckFn& f, const std::vector<Variable<double>>& inputs,
                              const GradcheckOptions& options = {});

}  // namespace minidl
