#pragma once
// RMSprop, the book's RMSprop (common/optimizer.py).

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// RMSprop: AdaGrad with an exponential moving average of squared gradients, h (zeros at first),
/// so old gradients fade and steps do not shrink to nothing:
///   h ← ρ·h + (1 − ρ)·g²,   W ← W − lr · g / (√h + 1e-7).
/// Defaults are the book's: lr 0.01, decay rate ρ 0.99.
template <typename T>
class RMSprop : public Optimizer<T> {
 public:
  /// Throws std::invalid_argument if decay_rate is outside [0, 1).
  RMSprop(std::vector<Variable<T>> params, double lr = 0.01, double decay_rate = 0.99);
  double decay_rate() const { return decay_rate_; }

  std::string kind() const override { return "rmsprop"; }

 protected:
  void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) override;
  typename Optimizer<T>::StateRefs state_refs() override;
  void add_hyperparameters(nlohmann::json& spec) const override;

 private:
  double decay_rate_;
  std::vector<Tensor<T>> h_;
};

}  // namespace minidl
