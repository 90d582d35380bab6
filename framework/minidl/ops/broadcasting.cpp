#include "minidl/ops/broadcasting.hpp"

#include <stdexcept>

#include <xtensor/xbroadcast.hpp>

#include "minidl/core/broadcast.hpp"
#include "minidl/core/record.hpp"

namespace minidl {

template <typename T>
Variable<T> broadcast_to(const Variable<T>& x, const Shape& shape) {
  const Shape xs = x.shape();
  if (xs == shape) return x;
  if (broadcast_shapes("broadcast_to", xs, shape) != shape) {
    throw std::invalid_argument("broadcast_to: shape " + shape_str(xs) + " cannot be broadcast to " + shape_str(shape));
  }
  Tensor<T> y = xt::broadcast(x.data(), shape);
  return record<T>("broadcast_to", std::move(y), {x},
                   [xs](const std::vector<Variable<T>>&, const Variable<T>&, const Variable<T>& gy) {
                     return std::vector<Variable<T>>{sum_to(gy, xs)};
                   });
}

template <typename T>
Variable<T> sum_to(const Variable<T>& x, const Shape& shape) {
  const Shape xs = x.shape();
  if (xs == shape) return x;
  Tensor<T> y = sum_to_tensor(x.data(), shape);
  return record<T>("sum_to", std::move(y), {x},
                   [xs](const std::vector<Variable<T>>&, const Variable<T>&, const Variable<T>& gy) {
                     return std::vector<Variable<T>>{broadcast_to(gy, xs)};
                   });
}

template Variable<float> broadcast_to<float>(const Variable<float>&, const Shape&);
template Variable<double> broadcast_to<double>(const Variable<double>&, const Shape&);
template Variable<float> sum_to<float>(const Variable<float>&, const Shape&);
template Variable<double> sum_to<double>(const Variable<double>&, const Shape&);

}  // namespace minidl
