#include "minidl/optim/optimizer.hpp"

#include <stdexcept>

#include "minidl/core/grad_mode.hpp"

namespace minidl {

template <typename T>
Optimizer<T>::Optimizer(std::vector<Variable<T>> params, double lr) : params_(std::move(params)), lr_(lr) {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].defined()) throw std::invalid_argument("Optimizer: parameter " + std::to_string(i) + " is undefined");
  }
  if (!(lr >= 0)) throw std::invalid_argument("Optimizer: learning rate must be >= 0, got " + std::to_string(lr));
}

template <typename T>
void Optimizer<T>::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Variable<T>& p = params_[i];
    if (!p.has_grad()) continue;
    update(i, p.data(), p.grad().data());
  }
  ++steps_;
}

template <typename T>
void Optimizer<T>::zero_grad() {
  for (const auto& p : params_) p.clear_grad();
}

template <typename T>
void SGD<T>::update(std::size_t, Tensor<T>& param, const Tensor<T>& grad) {
  // A raw loop: vectorizes, allocates nothing, and reads the gradient without copying it.
  const T lr = static_cast<T>(this->lr());
  T* w = param.data();
  const T* g = grad.data();
  const std::size_t n = param.size();
  for (std::size_t i = 0; i < n; ++i) w[i] -= lr * g[i];
}

template class Optimizer<float>;
template class Optimizer<double>;
template class SGD<float>;
template class SGD<double>;

}  // namespace minidl
