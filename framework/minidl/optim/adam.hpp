#pragma once
// Adam, exactly as the book's Adam (common/optimizer.py, chapter 6.1.6).

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// Adam: moving averages of the gradient (m) and of its square (v), zeros at first, with the bias
/// correction folded into the step size. At the t-th update of a parameter (t = 1, 2, ...):
///   lr_t = lr · √(1 − β2^t) / (1 − β1^t),
///   m ← m + (1 − β1)·(g − m),      (= β1·m + (1 − β1)·g)
///   v ← v + (1 − β2)·(g² − v),     (= β2·v + (1 − β2)·g²)
///   W ← W − lr_t · m / (√v + 1e-7).
/// t counts the updates each parameter received (the book's single iteration counter when nothing
/// is frozen). Defaults are the book's: lr 0.001, β1 0.9, β2 0.999.
template <typename T>
class Adam : public Optimizer<T> {
 public:
  /// Throws std::invalid_argument if a beta is outside [0, 1).
  Adam(std::vector<Variable<T>> params, double lr = 0.001, double beta1 = 0.9, double beta2 = 0.999);
  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }

  std::string kind() const override { return "adam"; }

 protected:
  void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) override;
  typename Optimizer<T>::StateRefs state_refs() override;
  void add_hyperparameters(nlohmann::json& spec) const override;

 private:
  double beta1_, beta2_;
  std::vector<Tensor<T>> m_, v_;
  std::vector<std::size_t> t_;  // updates per parameter
};

}  // namespace minidl
