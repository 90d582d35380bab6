#pragma once
// Stochastic gradient descent, the book's SGD (common/optimizer.py).

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// Stochastic gradient descent: W ← W − lr · g, g = ∂L/∂W (after the base's clipping and decay).
/// No state.
template <typename T>
class SGD : public Optimizer<T> {
 public:
  /// SGD over `params` with learning rate `lr` (no default here: default_lr("sgd") in optim/factory.hpp
  /// is the library's one choice).
  SGD(std::vector<Variable<T>> params, double lr) : Optimizer<T>(std::move(params), lr) {}

  std::string kind() const override { return "sgd"; }

 protected:
  void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) override;
};

}  // namespace minidl
