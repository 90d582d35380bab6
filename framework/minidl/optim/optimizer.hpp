#pragma once
// Optimizer: the shared base of SGD, Momentum, Adam, ... It holds the parameter list and runs the
// update of each parameter that has a gradient; subclasses implement one parameter's rule and keep
// their per-parameter state indexed by the parameter's position.

#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// Base class for optimizers. Updates happen in place on each parameter's data, outside the graph.
template <typename T>
class Optimizer {
 public:
  /// Takes the parameters to update (e.g. model.parameters()) and the learning rate.
  Optimizer(std::vector<Variable<T>> params, double lr);
  virtual ~Optimizer() = default;

  /// Updates every parameter that has a gradient (parameters without one are skipped).
  void step();
  /// Drops every parameter's gradient.
  void zero_grad();

  /// The learning rate used by the next step().
  double lr() const { return lr_; }
  /// Changes the learning rate (schedules call this).
  void set_lr(double lr) { lr_ = lr; }
  /// Number of step() calls so far.
  std::size_t steps() const { return steps_; }
  /// The parameters being optimized.
  const std::vector<Variable<T>>& params() const { return params_; }

 protected:
  /// Applies the update rule to parameter `index` (data += f(grad, state)).
  virtual void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) = 0;

 private:
  std::vector<Variable<T>> params_;
  double lr_;
  std::size_t steps_ = 0;
};

/// Stochastic gradient descent: W ← W − lr · ∂L/∂W.
template <typename T>
class SGD : public Optimizer<T> {
 public:
  /// SGD over `params` with learning rate `lr` (the book uses 0.1 for the two-layer net).
  SGD(std::vector<Variable<T>> params, double lr = 0.01) : Optimizer<T>(std::move(params), lr) {}

 protected:
  void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) override;
};

}  // namespace minidl
