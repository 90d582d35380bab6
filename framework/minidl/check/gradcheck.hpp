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

/// A function with several outputs (a multi-output op such as split, or a recurrent cell's (h, c)).
using GradcheckMultiFn = std::function<std::vector<Variable<double>>(const std::vector<Variable<double>>&)>;

/// Turns a multi-output function into one gradcheck and gradgradcheck accept: its outputs,
/// flattened and concatenated in order into one 1-D output. Undefined outputs are skipped. Every
/// output then gets its own projection weights, so an error in the gradient reaching any one
/// output is caught.
GradcheckFn joined_outputs(GradcheckMultiFn f);

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
  /// Largest |analytic - numeric| / max(|numeric|, |analytic|, atol). The atol floor keeps entries that
  /// are zero up to round-off (1e-11 vs 0) from reading as 100% error.
  double max_rel_error = 0;
  /// Multi-index (into the input) of the element with the largest violation
  /// |analytic - numeric| / (atol + rtol * |numeric|); non-finite values count as infinite.
  std::vector<std::size_t> worst_index;
  /// With full_jacobian: multi-index into the output of the worst Jacobian entry; empty otherwise.
  std::vector<std::size_t> worst_output_index;
  double worst_analytic = 0;             ///< Analytic gradient at worst_index.
  double worst_numeric = 0;              ///< Numeric gradient at worst_index.
  /// Both gradients were zero everywhere, i.e. |analytic| <= atol and |numeric| <= atol for every
  /// element: the comparison could not tell them from zero, so a pass would test nothing.
  bool all_zero = false;
  bool non_finite = false;               ///< Some analytic or numeric value was NaN or infinite.
  bool passed = false;                   ///< This input passed.
};

/// The result of gradcheck: overall verdict plus one entry per input that requires grad.
struct GradcheckReport {
  std::string kind = "gradcheck";            ///< "gradcheck" or "gradgradcheck" (for printing).
  bool passed = false;                       ///< Every checked input passed.
  GradcheckOptions options;                  ///< The options the check ran with.
  Shape output_shape;                        ///< Shape of f's output.
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
/// requires grad. Inputs are perturbed in place (through data()) and restored exactly.
///  numeric_j  = (F(x + eps e_j) - F(x - eps e_j)) / (2 eps)
///  analytic   = minidl::grad(F, inputs)   (the inputs' stored .grad is left untouched)
/// where F = f for a one-element output, F = <f(x), r> with a seeded random r (entries ±[0.5,1.5))
/// for a larger one, or, with options.full_jacobian, each output element in turn (M backward
/// passes, every Jacobian entry compared). Fails on any element outside tolerance, on NaN/inf, on
/// all-zero gradients (unless allow_all_zero) and when no input requires grad. Never throws for a
/// failing f: report.error says what went wrong and passed is false. Runs with grad mode on.
/// Cost: 2·(Σ input sizes) forward calls plus one backward (M with full_jacobian).
GradcheckReport gradcheck(const GradcheckFn& f, const std::vector<Variable<double>>& inputs,
                          const GradcheckOptions& options = {});

/// Checks second derivatives: gradcheck of s(x) = Σ_i <∂<f(x), u>/∂x_i, w_i> with seeded random u and w
/// (entries ±[0.5,1.5)), where the inner gradients come from minidl::grad with create_graph, so
/// s's own backward runs through every op's backward function. An op whose first derivative is
/// constant (linear ops) has an all-zero second derivative: pass allow_all_zero for those.
GradcheckReport gradgradcheck(const GradcheckFn& f, const std::vector<Variable<double>>& inputs,
                              const GradcheckOptions& options = {});

}  // namespace minidl
