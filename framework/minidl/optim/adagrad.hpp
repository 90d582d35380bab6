#pragma once
// AdaGrad, the book's AdaGrad (common/optimizer.py, chapter 6.1.5).

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// AdaGrad: each element's step shrinks with the sum of its squared gradients so far, h (zeros at
/// first):
///   h ← h + g²,   W ← W − lr · g / (√h + 1e-7).
/// The 1e-7 keeps the first steps finite where h is still 0. Steps only ever shrink, so learning
/// eventually stops (RMSprop forgets old gradients instead). Default lr is the book's 0.01.
template <typename T>
class AdaGrad : public Optimizer<T> {
 public:
  AdaGrad(std::vector<Variable<T>> params, double lr = 0.01) : Optimizer<T>(std::move(params), lr) {}

  std::string kind() const override { return "adagrad"; }

 protected:
  void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) override;
  typename Optimizer<T>::StateRefs state_refs() override;

 private:
  std::vector<Tensor<T>> h_;
};

}  // namespace minidl
