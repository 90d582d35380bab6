#include "minidl/optim/sgd.hpp"

#include "minidl/detail/parallel.hpp"

namespace minidl {

template <typename T>
void SGD<T>::update(std::size_t, Tensor<T>& param, const Tensor<T>& grad) {
  // A raw loop: vectorizes, allocates nothing, and reads the gradient without copying it.
  const T lr = static_cast<T>(this->lr());
  T* w = param.data();
  const T* g = grad.data();
  // Large parameters split across threads (elementwise: the same bits at any thread count). Each
  // element is three memory streams (weight in and out, gradient in), so half an elementwise
  // pass's minimum already pays for a worker.
  detail::parallel_range(param.size(), detail::kMinParallelElements / 2, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) w[i] -= lr * g[i];
  });
}

template class SGD<float>;
template class SGD<double>;

}  // namespace minidl
