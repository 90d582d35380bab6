#include "minidl/optim/adagrad.hpp"

#include <cmath>

#include "minidl/detail/optimizer_state.hpp"

namespace minidl {

template <typename T>
void AdaGrad<T>::update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) {
  Tensor<T>& ht = detail::state_slot(h_, this->params().size(), index, param);
  const T lr = static_cast<T>(this->lr()), eps = static_cast<T>(1e-7);
  T* w = param.data();
  T* h = ht.data();
  const T* g = grad.data();
  const std::size_t n = param.size();
  for (std::size_t i = 0; i < n; ++i) {
    h[i] += g[i] * g[i];
    w[i] -= lr * g[i] / (std::sqrt(h[i]) + eps);
  }
}

template <typename T>
typename Optimizer<T>::StateRefs AdaGrad<T>::state_refs() {
  return {{{"h", &h_}}, {}};
}

template class AdaGrad<float>;
template class AdaGrad<double>;

}  // namespace minidl
