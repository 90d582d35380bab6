#include "minidl/optim/sgd.hpp"

namespace minidl {

template <typename T>
void SGD<T>::update(std::size_t, Tensor<T>& param, const Tensor<T>& grad) {
  // A raw loop: vectorizes, allocates nothing, and reads the gradient without copying it.
  const T lr = static_cast<T>(this->lr());
  T* w = param.data();
  const T* g = grad.data();
  const std::size_t n = param.size();
  for (std::size_t i = 0; i < n; ++i) w[i] -= lr * g[i];
}

template class SGD<float>;
template class SGD<double>;

}  // namespace minidl
