#include "minidl/ops/broadcasting.hpp"

#include <stdexcept>

#include <xtensor/xbroadcast.hpp>

#include "minidl/core/broadcast.hpp"
#include "minidl/core/record.hpp"

namespace minidl {

namespace {

// S: a Shape or a tensor's own shape type. The backward functions find the shape to return to in
// their input, so they capture nothing (a captured Shape would cost two heap allocations per op).
template <typename T, typename S>
Variable<T> broadcast_impl(const Variable<T>& x, const S& shape) {
  const auto& xs = x.data().shape();
  if (equal_extents(xs, shape)) return x;
  if (!broadcastable_to(xs, shape)) {
    throw std::invalid_argument("broadcast_to: shape " + shape_str(x.shape()) + " cannot be broadcast to " +
                                shape_str(to_shape(shape)));
  }
  Tensor<T> y = xt::broadcast(x.data(), shape);
  return record<T>("broadcast_to", std::move(y), {x},
                   [](const std::vector<Variable<T>>& in, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({sum_to_like(gy, in[0])});
                   });
}

template <typename T>
Variable<T> sum_to_recorded(const Variable<T>& x, Tensor<T> y) {
  return record<T>("sum_to", std::move(y), {x},
                   [](const std::vector<Variable<T>>& in, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({broadcast_to_like(gy, in[0])});
                   });
}

}  // namespace

template <typename T>
Variable<T> broadcast_to(const Variable<T>& x, const Shape& shape) {
  return broadcast_impl(x, shape);
}

template <typename T>
Variable<T> broadcast_to_like(const Variable<T>& x, const Variable<T>& like) {
  return broadcast_impl(x, like.data().shape());
}

template <typename T>
Variable<T> sum_to(const Variable<T>& x, const Shape& shape) {
  if (equal_extents(x.data().shape(), shape)) return x;
  return sum_to_recorded(x, sum_to_tensor(x.data(), shape));
}

template <typename T>
Variable<T> sum_to_like(const Variable<T>& x, const Variable<T>& like) {
  if (equal_extents(x.data().shape(), like.data().shape())) return x;
  return sum_to_recorded(x, sum_to_tensor_like(x.data(), like.data()));
}

template Variable<float> broadcast_to<float>(const Variable<float>&, const Shape&);
template Variable<double> broadcast_to<double>(const Variable<double>&, const Shape&);
template Variable<float> sum_to<float>(const Variable<float>&, const Shape&);
template Variable<double> sum_to<double>(const Variable<double>&, const Shape&);
template Variable<float> broadcast_to_like<float>(const Variable<float>&, const Variable<float>&);
template Variable<double> broadcast_to_like<double>(const Variable<double>&, const Variable<double>&);
template Variable<float> sum_to_like<float>(const Variable<float>&, const Variable<float>&);
template Variable<double> sum_to_like<double>(const Variable<double>&, const Variable<double>&);

}  // namespace minidl
