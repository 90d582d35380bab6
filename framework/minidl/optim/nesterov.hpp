#pragma once
// Nesterov's accelerated gradient, in the form of the book's Nesterov (common/optimizer.py).

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// Nesterov momentum as the book writes it (a rearrangement that needs only the gradient at W,
/// not at the look-ahead point): with velocity v (zeros at first),
///   v ← m·v − lr·g,
///   W ← W + m²·v − (1 + m)·lr·g.
/// Defaults are the book's: lr 0.01, momentum 0.9.
template <typename T>
class Nesterov : public Optimizer<T> {
 public:
  /// Throws std::invalid_argument if momentum is outside [0, 1).
  Nesterov(std::vector<Variable<T>> params, double lr = 0.01, double momentum = 0.9);
  double momentum() const { return momentum_; }

  std::string kind() const override { return "nesterov"; }

 protected:
  void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) override;
  typename Optimizer<T>::StateRefs state_refs() override;
  void add_hyperparameters(nlohmann::json& spec) const override;

 private:
  double momentum_;
  std::vector<Tensor<T>> v_;
};

}  // namespace minidl
