#pragma once
// Momentum SGD, the book's Momentum (common/optimizer.py, chapter 6.1.4).

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// Momentum: a velocity per parameter, v (zeros at first), updated as
///   v ← m·v − lr·g,   W ← W + v.
/// Like a ball rolling downhill: steps grow along consistent directions and oscillations across a
/// valley cancel. Defaults are the book's: lr 0.01, momentum 0.9.
template <typename T>
class Momentum : public Optimizer<T> {
 public:
  /// Throws std::invalid_argument if momentum is outside [0, 1).
  Momentum(std::vector<Variable<T>> params, double lr = 0.01, double momentum = 0.9);
  double momentum() const { return momentum_; }

  std::string kind() const override { return "momentum"; }

 protected:
  void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) override;
  typename Optimizer<T>::StateRefs state_refs() override;
  void add_hyperparameters(nlohmann::json& spec) const override;

 private:
  double momentum_;
  std::vector<Tensor<T>> v_;
};

}  // namespace minidl
