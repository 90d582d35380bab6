#include "minidl/ops/compare.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include "minidl/core/broadcast.hpp"
#include "minidl/core/record.hpp"
#include "minidl/ops/arithmetic.hpp"
#include "minidl/ops/broadcasting.hpp"

namespace minidl {
namespace {

// The shape a, b and (optionally) the mask broadcast to; throws naming `op` when they do not.
Shape common_shape(const char* op, const Shape& a, const Shape& b) { return broadcast_shapes(op, a, b); }

// max/min share their backward: gy times a constant weight (1 where a won, 1/2 on a tie, else 0)
// for a, and gy times (1 - weight) for b.
template <typename T>
Variable<T> pick(const char* op, const Variable<T>& a, const Variable<T>& b, bool larger) {
  const Shape ys = common_shape(op, a.shape(), b.shape());
  Tensor<T> y = Tensor<T>::from_shape(ys);
  Tensor<T> wa = Tensor<T>::from_shape(ys);
  const auto ab = xt::broadcast(a.data(), ys);
  const auto bb = xt::broadcast(b.data(), ys);
  if (larger) {
    xt::noalias(y) = xt::maximum(ab, bb);
    xt::noalias(wa) = xt::where(ab > bb, T(1), xt::where(xt::equal(ab, bb), T(0.5), T(0)));
  } else {
    xt::noalias(y) = xt::minimum(ab, bb);
    xt::noalias(wa) = xt::where(ab < bb, T(1), xt::where(xt::equal(ab, bb), T(0.5), T(0)));
  }
  if (!will_record<T>({a, b})) return Variable<T>(std::move(y));
  Tensor<T> wb = Tensor<T>::from_shape(ys);
  xt::noalias(wb) = T(1) - wa;
  const Variable<T> weight_a(std::move(wa)), weight_b(std::move(wb));
  return record<T>(op, std::move(y), {a, b},
                   [weight_a, weight_b](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     Grads<T> g = make_grads<T>(2);
                     if (in[0].requires_grad()) g[0] = sum_to(mul(gy, weight_a), in[0].shape());
                     if (in[1].requires_grad()) g[1] = sum_to(mul(gy, weight_b), in[1].shape());
                     return g;
                   });
}

}  // namespace

template <typename T>
Variable<T> where(const Mask& mask, const Variable<T>& a, const Variable<T>& b) {
  const Shape ms = to_shape(mask.values.shape());
  const Shape ys = common_shape("where", ms, common_shape("where", a.shape(), b.shape()));
  Tensor<T> y = Tensor<T>::from_shape(ys);
  xt::noalias(y) = xt::where(xt::broadcast(mask.values, ys), xt::broadcast(a.data(), ys), xt::broadcast(b.data(), ys));
  return record<T>("where", std::move(y), {a, b},
                   [mask](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     const Variable<T> zero(zeros_tensor<T>({}));
                     Grads<T> g = make_grads<T>(2);
                     if (in[0].requires_grad()) g[0] = sum_to(where(mask, gy, zero), in[0].shape());
                     if (in[1].requires_grad()) g[1] = sum_to(where(mask, zero, gy), in[1].shape());
                     return g;
                   });
}

template <typename T>
Variable<T> maximum(const Variable<T>& a, const Variable<T>& b) {
  return pick("maximum", a, b, true);
}

template <typename T>
Variable<T> minimum(const Variable<T>& a, const Variable<T>& b) {
  return pick("minimum", a, b, false);
}

#define MINIDL_INSTANTIATE(T)                                                           \
  template Variable<T> where<T>(const Mask&, const Variable<T>&, const Variable<T>&); \
  template Variable<T> maximum<T>(const Variable<T>&, const Variable<T>&);           \
  template Variable<T> minimum<T>(const Variable<T>&, const Variable<T>&);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
