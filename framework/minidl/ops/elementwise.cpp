#include "minidl/ops/elementwise.hpp"

#include <sstream>
#include <stdexcept>

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include "minidl/core/grad_mode.hpp"
#include "minidl/core/record.hpp"
#include "minidl/ops/arithmetic.hpp"

namespace minidl {
namespace {

// Evaluates one vectorized expression of x into a fresh buffer of x's shape.
template <typename T, typename F>
Tensor<T> eval_unary(const Tensor<T>& x, F f) {
  Tensor<T> y = Tensor<T>::from_shape(x.shape());
  xt::noalias(y) = f(x);
  return y;
}

// A constant (non-recording) Variable from an expression over tensors of `like`'s shape. Used for
// masks, and for fused gradients when create_graph is off (then nothing records anyway, and one
// fused expression beats a chain of Variable ops, each with its own temporary).
template <typename T, typename E>
Variable<T> const_var(const Tensor<T>& like, E&& expr) {
  Tensor<T> c = Tensor<T>::from_shape(like.shape());
  xt::noalias(c) = std::forward<E>(expr);
  return Variable<T>(std::move(c));
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

template <typename T>
Variable<T> exp(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::exp(v); });
  return record<T>("exp", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    return Grads<T>{mul(gy, out)};
  });
}

template <typename T>
Variable<T> log(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::log(v); });
  return record<T>("log", std::move(y), {x}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    return Grads<T>{div(gy, in[0])};
  });
}

template <typename T>
Variable<T> sqrt(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::sqrt(v); });
  return record<T>("sqrt", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    if (!grad_enabled()) return Grads<T>{const_var(gy.data(), T(0.5) * gy.data() / out.data())};
    return Grads<T>{div(gy, mul_scalar(out, 2.0))};
  });
}

template <typename T>
Variable<T> tanh(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::tanh(v); });
  return record<T>("tanh", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    const Tensor<T>& yv = out.data();
    if (!grad_enabled()) return Grads<T>{const_var(yv, gy.data() * (T(1) - yv * yv))};
    return Grads<T>{mul(gy, rsub_scalar(mul(out, out), 1.0))};
  });
}

template <typename T>
Variable<T> sigmoid(const Variable<T>& x) {
  const Tensor<T>& xv = x.data();
  // e = e^(-|x|) is in (0, 1], so neither branch can overflow; the division picks σ(x) for x >= 0
  // and e^x / (1 + e^x) = σ(x) for x < 0, keeping relative accuracy far into both tails.
  Tensor<T> y = eval_unary(xv, [](const auto& v) { return xt::exp(-xt::abs(v)); });
  xt::noalias(y) = xt::where(xv >= T(0), T(1), y) / (T(1) + y);  // elementwise, same index: safe in place
  return record<T>("sigmoid", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    const Tensor<T>& yv = out.data();
    if (!grad_enabled()) return Grads<T>{const_var(yv, gy.data() * yv * (T(1) - yv))};
    return Grads<T>{mul(gy, mul(out, rsub_scalar(out, 1.0)))};
  });
}

template <typename T>
Variable<T> relu(const Variable<T>& x) {
  const Tensor<T>& xv = x.data();
  Tensor<T> y = Tensor<T>::from_shape(xv.shape());
  const T* px = xv.data();
  T* py = y.data();
  // Written as "not <= 0" so a NaN passes through (max(NaN, 0) would quietly turn it into 0 and hide
  // bad data from every later check).
  for (std::size_t i = 0, n = xv.size(); i < n; ++i) py[i] = !(px[i] <= T(0)) ? px[i] : T(0);
  // The 0/1 mask is built only when backward actually runs, from the output the node holds anyway
  // (y > 0 exactly where x > 0): nothing extra is allocated in the forward pass or kept alive
  // between forward and backward.
  return record<T>("relu", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    const Tensor<T>& yv = out.data();
    if (!grad_enabled()) {
      // One fused pass: a select per element, which vectorises (xt::where over two tensors does not).
      Tensor<T> gx = Tensor<T>::from_shape(yv.shape());
      const T* pyv = yv.data();
      const T* pg = gy.data().data();
      T* pgx = gx.data();
      for (std::size_t i = 0, n = yv.size(); i < n; ++i) pgx[i] = pyv[i] > T(0) ? pg[i] : T(0);
      return Grads<T>{Variable<T>(std::move(gx))};
    }
    return Grads<T>{mul(gy, const_var(yv, xt::where(yv > T(0), T(1), T(0))))};
  });
}

template <typename T>
Variable<T> step(const Variable<T>& x) {
  const Tensor<T>& xv = x.data();
  // Deliberately not recorded: the derivative is 0 wherever it exists.
  return Variable<T>(eval_unary(xv, [](const auto& v) { return xt::where(v > T(0), T(1), T(0)); }));
}

template <typename T>
Variable<T> abs(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::abs(v); });
  return record<T>("abs", std::move(y), {x}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    const Tensor<T>& xv = in[0].data();
    const Tensor<T>& g = gy.data();
    if (!grad_enabled()) return Grads<T>{const_var(xv, xt::where(xv > T(0), g, xt::where(xv < T(0), -g, T(0))))};
    return Grads<T>{mul(gy, const_var(xv, xt::where(xv > T(0), T(1), xt::where(xv < T(0), T(-1), T(0)))))};
  });
}

template <typename T>
Variable<T> clip(const Variable<T>& x, double lo, double hi) {
  if (!(lo <= hi)) {
    throw std::invalid_argument("clip: lo (" + number(lo) + ") must not exceed hi (" + number(hi) + ") for x " +
                                shape_str(x.shape()));
  }
  const T l = static_cast<T>(lo), h = static_cast<T>(hi);
  Tensor<T> y = eval_unary(x.data(), [l, h](const auto& v) { return xt::clip(v, l, h); });
  return record<T>("clip", std::move(y), {x}, [l, h](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    const Tensor<T>& xv = in[0].data();
    if (!grad_enabled()) return Grads<T>{const_var(xv, xt::where(xv > l && xv < h, gy.data(), T(0)))};
    return Grads<T>{mul(gy, const_var(xv, xt::where(xv > l && xv < h, T(1), T(0))))};
  });
}

template <typename T>
Variable<T> square(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return v * v; });
  return record<T>("square", std::move(y), {x}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    if (!grad_enabled()) return Grads<T>{const_var(gy.data(), T(2) * gy.data() * in[0].data())};
    return Grads<T>{mul(gy, mul_scalar(in[0], 2.0))};
  });
}

#define MINIDL_INSTANTIATE(T)                                      \
  template Variable<T> exp<T>(const Variable<T>&);                 \
  template Variable<T> log<T>(const Variable<T>&);                 \
  template Variable<T> sqrt<T>(const Variable<T>&);                \
  template Variable<T> tanh<T>(const Variable<T>&);                \
  template Variable<T> sigmoid<T>(const Variable<T>&);             \
  template Variable<T> relu<T>(const Variable<T>&);                \
  template Variable<T> step<T>(const Variable<T>&);                \
  template Variable<T> abs<T>(const Variable<T>&);                 \
  template Variable<T> clip<T>(const Variable<T>&, double, double); \
  template Variable<T> square<T>(const Variable<T>&);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
