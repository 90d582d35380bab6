#pragma once
// Learning-rate schedules as small composable values.
//
// A schedule maps a count t = 0, 1, 2, ... (steps or epochs: whoever applies it decides) to a
// factor of the base learning rate, lr(t) = base_lr · schedule(t). Factors rather than absolute
// rates let one schedule serve optimizers with different base rates (SGD 0.1, Adam 0.001).
//
//   // 500 warm-up steps, then cosine annealing to 1% of the base rate over the remaining steps:
//   Schedule s = then(warmup_lr(500), 500, cosine_lr(total - 500, 0.01));
//   for (std::size_t t = 0; t < total; ++t) {
//     apply_schedule(optimizer, s, base_lr, t);   // optimizer.set_lr(base_lr * s(t))
//     ...
//   }

#include <cstddef>
#include <functional>
#include <string>

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// A learning-rate factor as a function of t. Cheap to copy (the function is shared).
class Schedule {
 public:
  using Fn = std::function<double(std::size_t)>;

  /// The constant factor 1 (no schedule).
  Schedule();
  /// A schedule from any function of t, with a short description for logs.
  Schedule(Fn factor, std::string description);

  /// The factor at t.
  double operator()(std::size_t t) const { return factor_(t); }
  /// E.g. "cosine(total=12000, min=0)".
  const std::string& describe() const { return description_; }

 private:
  Fn factor_;
  std::string description_;
};

/// factor(t) = c.
Schedule constant_lr(double factor = 1.0);

/// Step decay (PyTorch StepLR): factor(t) = γ^⌊t / step_size⌋, e.g. ×0.1 every 10 epochs.
/// Throws std::invalid_argument if step_size is 0 or γ < 0.
Schedule step_lr(std::size_t step_size, double gamma = 0.1);

/// Cosine annealing (PyTorch CosineAnnealingLR) from 1 down to min_factor over `total` counts:
///   factor(t) = min + (1 − min) · ½ · (1 + cos(π · min(t, total) / total)),
/// so factor(0) = 1, factor(total/2) = (1 + min)/2 and factor(t ≥ total) = min. The minimum rate
/// is base_lr · min_factor. Throws std::invalid_argument if total is 0 or min_factor is outside
/// [0, 1].
Schedule cosine_lr(std::size_t total, double min_factor = 0.0);

/// Linear warm-up over `steps` counts: factor(t) = min(1, (t + 1) / steps), so the first step
/// already moves (at base_lr / steps) and step steps−1 reaches the full rate.
/// Throws std::invalid_argument if steps is 0.
Schedule warmup_lr(std::size_t steps);

/// Sequencing (PyTorch SequentialLR): first(t) for t < at, then second(t − at), so the second
/// schedule starts from its own t = 0 at the switch.
Schedule then(const Schedule& first, std::size_t at, const Schedule& second);

/// Product: factor(t) = a(t) · b(t), e.g. warmup_lr(100) * step_lr(1000).
Schedule operator*(const Schedule& a, const Schedule& b);

/// Sets the optimizer's learning rate to base_lr · schedule(t) and returns it.
template <typename T>
double apply_schedule(Optimizer<T>& optimizer, const Schedule& schedule, double base_lr, std::size_t t);

}  // namespace minidl
