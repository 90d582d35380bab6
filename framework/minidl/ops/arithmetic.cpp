#include "minidl/ops/arithmetic.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "minidl/core/broadcast.hpp"
#include "minidl/core/record.hpp"
#include "minidl/ops/broadcasting.hpp"

namespace minidl {
namespace {

// Evaluates a binary expression after checking the shapes broadcast, so a mismatch names the op.
template <typename T, typename F>
Tensor<T> binary(const char* op, const Variable<T>& a, const Variable<T>& b, F f) {
  const Shape as = a.shape(), bs = b.shape();
  if (as == bs) {
    Tensor<T> y = Tensor<T>::from_shape(as);
    xt::noalias(y) = f(a.data(), b.data());
    return y;
  }
  broadcast_shapes(op, as, bs);
  return Tensor<T>(f(a.data(), b.data()));
}

template <typename T, typename F>
Tensor<T> unary(const Variable<T>& x, F f) {
  Tensor<T> y = Tensor<T>::from_shape(x.data().shape());
  xt::noalias(y) = f(x.data());
  return y;
}

}  // namespace

template <typename T>
Variable<T> add(const Variable<T>& a, const Variable<T>& b) {
  Tensor<T> y = binary("add", a, b, [](const auto& x, const auto& z) { return x + z; });
  return record<T>("add", std::move(y), {a, b}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({sum_to(gy, in[0].shape()), sum_to(gy, in[1].shape())});
  });
}

template <typename T>
Variable<T> sub(const Variable<T>& a, const Variable<T>& b) {
  Tensor<T> y = binary("sub", a, b, [](const auto& x, const auto& z) { return x - z; });
  return record<T>("sub", std::move(y), {a, b}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({sum_to(gy, in[0].shape()), neg(sum_to(gy, in[1].shape()))});
  });
}

template <typename T>
Variable<T> mul(const Variable<T>& a, const Variable<T>& b) {
  Tensor<T> y = binary("mul", a, b, [](const auto& x, const auto& z) { return x * z; });
  return record<T>("mul", std::move(y), {a, b}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    Grads<T> g = make_grads<T>(2);
    if (in[0].requires_grad()) g[0] = sum_to(mul(gy, in[1]), in[0].shape());
    if (in[1].requires_grad()) g[1] = sum_to(mul(gy, in[0]), in[1].shape());
    return g;
  });
}

template <typename T>
Variable<T> div(const Variable<T>& a, const Variable<T>& b) {
  Tensor<T> y = binary("div", a, b, [](const auto& x, const auto& z) { return x / z; });
  return record<T>("div", std::move(y), {a, b}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    Grads<T> g = make_grads<T>(2);
    if (in[0].requires_grad()) g[0] = sum_to(div(gy, in[1]), in[0].shape());
    if (in[1].requires_grad()) g[1] = sum_to(neg(div(mul(gy, in[0]), mul(in[1], in[1]))), in[1].shape());
    return g;
  });
}

template <typename T>
Variable<T> neg(const Variable<T>& x) {
  Tensor<T> y = unary(x, [](const auto& v) { return -v; });
  return record<T>("neg", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({neg(gy)});
  });
}

template <typename T>
Variable<T> pow(const Variable<T>& x, double c) {
  const T e = static_cast<T>(c);
  Tensor<T> y = unary(x, [e](const auto& v) { return xt::pow(v, e); });
  return record<T>("pow", std::move(y), {x}, [c](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({mul(gy, mul_scalar(pow(in[0], c - 1.0), c))});
  });
}

template <typename T>
Variable<T> add_scalar(const Variable<T>& x, double s) {
  const T v = static_cast<T>(s);
  Tensor<T> y = unary(x, [v](const auto& a) { return a + v; });
  return record<T>("add_scalar", std::move(y), {x},
                   [](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) { return make_grads<T>({gy}); });
}

template <typename T>
Variable<T> mul_scalar(const Variable<T>& x, double s) {
  const T v = static_cast<T>(s);
  Tensor<T> y = unary(x, [v](const auto& a) { return a * v; });
  return record<T>("mul_scalar", std::move(y), {x}, [s](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({mul_scalar(gy, s)});
  });
}

template <typename T>
Variable<T> rsub_scalar(const Variable<T>& x, double s) {
  const T v = static_cast<T>(s);
  Tensor<T> y = unary(x, [v](const auto& a) { return v - a; });
  return record<T>("rsub_scalar", std::move(y), {x},
                   [](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({neg(gy)});
                   });
}

template <typename T>
Variable<T> rdiv_scalar(const Variable<T>& x, double s) {
  const T v = static_cast<T>(s);
  Tensor<T> y = unary(x, [v](const auto& a) { return v / a; });
  return record<T>("rdiv_scalar", std::move(y), {x}, [s](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    // d(s/x)/dx = -s / x²
    return make_grads<T>({neg(mul_scalar(div(gy, mul(in[0], in[0])), s))});
  });
}

#define MINIDL_INSTANTIATE(T)                                                  \
  template Variable<T> add<T>(const Variable<T>&, const Variable<T>&);         \
  template Variable<T> sub<T>(const Variable<T>&, const Variable<T>&);         \
  template Variable<T> mul<T>(const Variable<T>&, const Variable<T>&);         \
  template Variable<T> div<T>(const Variable<T>&, const Variable<T>&);         \
  template Variable<T> neg<T>(const Variable<T>&);                             \
  template Variable<T> pow<T>(const Variable<T>&, double);                     \
  template Variable<T> add_scalar<T>(const Variable<T>&, double);              \
  template Variable<T> mul_scalar<T>(const Variable<T>&, double);              \
  template Variable<T> rsub_scalar<T>(const Variable<T>&, double);             \
  template Variable<T> rdiv_scalar<T>(const Variable<T>&, double);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
