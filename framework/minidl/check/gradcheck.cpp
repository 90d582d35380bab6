// gradcheck / gradgradcheck: backward() against central differences, in float64.
#include "minidl/check/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <iomanip>
#include <limits>
#include <memory>
#include <ostream>
#include <sstream>

#include "minidl/core/autograd.hpp"
#include "minidl/core/grad_mode.hpp"
#include "minidl/core/random.hpp"
#include "minidl/ops/arithmetic.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {

using V = Variable<double>;
using Vs = std::vector<V>;

constexpr std::size_t kNoOutput = static_cast<std::size_t>(-1);

std::vector<std::size_t> unravel(std::size_t flat, const Shape& shape) {
  std::vector<std::size_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

std::string index_str(const std::vector<std::size_t>& index) {
  std::string s = "[";
  for (std::size_t i = 0; i < index.size(); ++i) s += (i ? "," : "") + std::to_string(index[i]);
  return s + "]";
}

// Entries of magnitude [0.5, 1.5) with a random sign: a projection weight near zero would hide an
// error in that output element, which plain uniform or normal draws allow.
Tensor<double> signed_weights(const Shape& shape, Generator& gen) {
  Tensor<double> t = Tensor<double>::from_shape(shape);
  double* p = t.data();
  for (std::size_t k = 0; k < t.size(); ++k) {
    const double magnitude = gen.uniform(0.5, 1.5);
    p[k] = gen.uniform() < 0.5 ? -magnitude : magnitude;
  }
  return t;
}

// Puts an input element back however the evaluation in between ends (normally or by throwing).
class Restore {
 public:
  Restore(double* slot) : slot_(slot), value_(*slot) {}
  ~Restore() { *slot_ = value_; }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;
  double value() const { return value_; }

 private:
  double* slot_;
  double value_;
};

// Folds one (analytic, numeric) pair into an input's report.
class Tally {
 public:
  Tally(GradcheckInputReport& report, const GradcheckOptions& options, const Shape& output_shape)
      : r_(report), opt_(options), output_shape_(output_shape) {}

  void add(double a, double n, std::size_t in_flat, std::size_t out_flat) {
    ++r_.checked;
    const double abs_err = std::fabs(a - n);
    const bool finite = std::isfinite(a) && std::isfinite(n);
    const double bound = opt_.atol + opt_.rtol * std::fabs(n);
    const bool ok = finite && abs_err <= bound;
    if (!ok) ++r_.failed;
    if (!finite) r_.non_finite = true;
    if (finite) {
      r_.max_abs_error = std::max(r_.max_abs_error, abs_err);
      const double denom = std::max({std::fabs(n), std::fabs(a), opt_.atol});
      r_.max_rel_error = std::max(r_.max_rel_error, abs_err / denom);
      if (std::fabs(a) > opt_.atol || std::fabs(n) > opt_.atol) nonzero_ = true;
    } else {
      nonzero_ = true;  // not a silent zero: the non-finite failure is the finding
    }
    const double violation = finite ? abs_err / bound : std::numeric_limits<double>::infinity();
    if (first_ || violation > worst_) {
      first_ = false;
      worst_ = violation;
      r_.worst_index = unravel(in_flat, r_.shape);
      r_.worst_output_index = out_flat == kNoOutput ? std::vector<std::size_t>{} : unravel(out_flat, output_shape_);
      r_.worst_analytic = a;
      r_.worst_numeric = n;
    }
  }

  void finish() {
    r_.all_zero = r_.checked > 0 && !nonzero_;
    r_.passed = r_.failed == 0 && !r_.non_finite && (opt_.allow_all_zero || !r_.all_zero);
  }

 private:
  GradcheckInputReport& r_;
  const GradcheckOptions& opt_;
  const Shape& output_shape_;
  bool nonzero_ = false;
  bool first_ = true;
  double worst_ = 0;
};

V call(const GradcheckFn& f, const Vs& inputs) {
  V out = f(inputs);
  if (!out.defined()) throw std::runtime_error("f returned an undefined Variable");
  return out;
}

std::string what_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

GradcheckFn joined_outputs(GradcheckMultiFn f) {
  return [f = std::move(f)](const Vs& xs) -> V {
    Vs flat;
    for (const V& out : f(xs)) {
      if (out.defined()) flat.push_back(reshape(out, Shape{out.size()}));
    }
    if (flat.empty()) throw std::runtime_error("joined_outputs: f returned no defined output");
    return flat.size() == 1 ? flat[0] : concat(flat, 0);
  };
}

double GradcheckReport::max_rel_error() const {
  double m = 0;
  for (const auto& in : inputs) m = std::max(m, in.max_rel_error);
  return m;
}

std::string GradcheckReport::str() const {
  std::ostringstream s;
  s << kind << (passed ? " PASSED" : " FAILED");
  if (!output_shape.empty() || !inputs.empty()) {
    s << "  (output " << shape_str(output_shape) << ", ";
    if (shape_size(output_shape) <= 1) {
      s << "scalar";
    } else if (options.full_jacobian) {
      s << "full Jacobian";
    } else {
      s << "random projection seed " << options.seed;
    }
    s << "; eps=" << options.eps << " atol=" << options.atol << " rtol=" << options.rtol << ")";
  }
  s << "\n";
  if (!error.empty()) s << "  error: " << error << "\n";
  for (const auto& in : inputs) {
    s << "  input " << in.input << " " << shape_str(in.shape) << ": " << (in.passed ? "ok" : "FAILED") << ", "
      << in.checked << " checked, " << in.failed << " failed, max abs err " << std::scientific << std::setprecision(3)
      << in.max_abs_error << ", max rel err " << in.max_rel_error << std::defaultfloat << "\n";
    if (in.checked > 0) {
      s << "    worst at " << index_str(in.worst_index);
      if (!in.worst_output_index.empty()) s << " (output " << index_str(in.worst_output_index) << ")";
      s << std::setprecision(10) << ": analytic " << in.worst_analytic << " vs numeric " << in.worst_numeric
        << std::setprecision(6) << "\n";
    }
    if (in.non_finite) s << "    non-finite (NaN or inf) values in the analytic or numeric gradient\n";
    if (in.all_zero) {
      s << "    both gradients are zero everywhere (|g| <= atol): the comparison tests nothing"
        << (options.allow_all_zero ? " (allowed by allow_all_zero)" : "; set allow_all_zero if this is expected")
        << "\n";
    }
  }
  return s.str();
}

std::ostream& operator<<(std::ostream& out, const GradcheckReport& report) { return out << report.str(); }

GradcheckReport gradcheck(const GradcheckFn& f, const std::vector<Variable<double>>& inputs,
                          const GradcheckOptions& options) {
  GradcheckReport report;
  report.options = options;
  GradModeGuard mode(true);  // the analytic side needs a graph even if the caller is in no-grad mode

  std::vector<std::size_t> checked;  // positions of the inputs that require grad
  Vs targets;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].defined() && inputs[i].requires_grad()) {
      checked.push_back(i);
      targets.push_back(inputs[i]);
    }
  }
  if (checked.empty()) {
    report.error = "no input requires grad: nothing would be checked";
    return report;
  }

  // ---- analytic: one backward (projection / scalar) or M backwards (full Jacobian) ------------
  V out;
  try {
    out = call(f, inputs);
  } catch (...) {
    report.error = "f threw: " + what_of(std::current_exception());
    return report;
  }
  const Shape out_shape = out.shape();
  report.output_shape = out_shape;
  const std::size_t M = out.size();
  const bool full = options.full_jacobian && M > 1;

  Generator gen(options.seed);
  const Tensor<double> r = M > 1 ? signed_weights(out_shape, gen) : full_tensor<double>(out_shape, 1.0);

  // analytic[t] holds rows of length N_t: one row (projection) or M rows (full Jacobian).
  std::vector<std::vector<double>> analytic(targets.size());
  try {
    const std::size_t rows = full ? M : 1;
    for (std::size_t t = 0; t < targets.size(); ++t) analytic[t].assign(rows * targets[t].size(), 0.0);
    // An output that does not require grad was not recorded: its analytic gradient is zero, and
    // the numeric side decides whether that is right.
    if (out.requires_grad()) {
      for (std::size_t k = 0; k < rows; ++k) {
        Tensor<double> seed = r;
        if (full) {
          seed = zeros_tensor<double>(out_shape);
          seed.data()[k] = 1.0;
        }
        Vs g = grad<double>({out}, targets, {V(std::move(seed))}, false, /*retain_graph=*/full);
        for (std::size_t t = 0; t < targets.size(); ++t) {
          const Tensor<double>& gt = g[t].data();
          if (gt.size() != targets[t].size()) {
            throw std::logic_error("gradient for input " + std::to_string(checked[t]) + " has shape " +
                                   shape_str(g[t].shape()) + ", input has " + shape_str(targets[t].shape()));
          }
          std::copy(gt.data(), gt.data() + gt.size(), analytic[t].begin() + k * gt.size());
        }
      }
    }
  } catch (...) {
    report.error = "backward threw: " + what_of(std::current_exception());
    return report;
  }
  out = V();  // free the graph before the many forward calls

  // ---- numeric: central differences, one element at a time ------------------------------------
  std::vector<std::vector<double>> numeric(targets.size());
  for (std::size_t t = 0; t < targets.size(); ++t) {
    const std::size_t N = targets[t].size();
    numeric[t].assign(analytic[t].size(), 0.0);
    double* x = targets[t].data().data();
    for (std::size_t j = 0; j < N; ++j) {
      Restore restore(x + j);
      Tensor<double> plus, minus;
      try {
        x[j] = restore.value() + options.eps;
        plus = call(f, inputs).data();
        x[j] = restore.value() - options.eps;
        minus = call(f, inputs).data();
      } catch (...) {
        report.error = "f threw while input " + std::to_string(checked[t]) + " was perturbed at " +
                       index_str(unravel(j, targets[t].shape())) + ": " + what_of(std::current_exception());
        return report;
      }
      if (to_shape(plus.shape()) != out_shape || to_shape(minus.shape()) != out_shape) {
        report.error = "f's output shape changed from " + shape_str(out_shape) + " when input " +
                       std::to_string(checked[t]) + " was perturbed";
        return report;
      }
      const double* p = plus.data();
      const double* m = minus.data();
      if (full) {
        for (std::size_t k = 0; k < M; ++k) numeric[t][k * N + j] = (p[k] - m[k]) / (2 * options.eps);
      } else {
        const double* w = r.data();
        double fp = 0, fm = 0;
        for (std::size_t k = 0; k < M; ++k) {
          fp += p[k] * w[k];
          fm += m[k] * w[k];
        }
        numeric[t][j] = (fp - fm) / (2 * options.eps);
      }
    }
  }

  // ---- compare ---------------------------------------------------------------------------------
  report.passed = true;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    GradcheckInputReport in;
    in.input = checked[t];
    in.shape = targets[t].shape();
    Tally tally(in, options, out_shape);
    const std::size_t N = targets[t].size();
    for (std::size_t e = 0; e < analytic[t].size(); ++e) {
      tally.add(analytic[t][e], numeric[t][e], e % N, full ? e / N : kNoOutput);
    }
    tally.finish();
    report.passed = report.passed && in.passed;
    report.inputs.push_back(std::move(in));
  }
  return report;
}

GradcheckReport gradgradcheck(const GradcheckFn& f, const std::vector<Variable<double>>& inputs,
                              const GradcheckOptions& options) {
  // u and w are drawn once (u when f's output shape is first seen) so every evaluation of s uses
  // the same function; a different stream from gradcheck's projection keeps them independent.
  auto gen = std::make_shared<Generator>(options.seed ^ 0x9E3779B97F4A7C15ull);
  auto u = std::make_shared<Tensor<double>>();
  auto have_u = std::make_shared<bool>(false);
  std::vector<Tensor<double>> w;
  for (const auto& x : inputs) {
    w.push_back(x.defined() && x.requires_grad() ? signed_weights(x.shape(), *gen) : Tensor<double>());
  }

  GradcheckFn s = [f, gen, u, have_u, w](const Vs& xs) -> V {
    V out = call(f, xs);
    if (!*have_u) {
      *u = signed_weights(out.shape(), *gen);
      *have_u = true;
    }
    if (out.shape() != to_shape(u->shape())) throw std::runtime_error("f's output shape changed");
    if (!out.requires_grad()) return V(zeros_tensor<double>({}));  // constant in x: s is constant
    Vs targets;
    std::vector<std::size_t> pos;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (xs[i].defined() && xs[i].requires_grad()) {
        targets.push_back(xs[i]);
        pos.push_back(i);
      }
    }
    Vs g = grad<double>({out}, targets, {V(*u)}, /*create_graph=*/true, false);
    V total;
    for (std::size_t t = 0; t < g.size(); ++t) {
      V term = sum_to(mul(g[t], V(w[pos[t]])), Shape{});
      total = total.defined() ? add(total, term) : term;
    }
    return total;
  };

  GradcheckReport report = gradcheck(s, inputs, options);
  report.kind = "gradgradcheck";
  return report;
}

}  // namespace minidl
