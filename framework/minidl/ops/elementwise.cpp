#include "minidl/ops/elementwise.hpp"

#include <sstream>
#include <stdexcept>

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include "minidl/core/kernels.hpp"
#include "minidl/core/record.hpp"
#include "minidl/detail/parallel.hpp"
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

// Evaluates an expression over tensors of `like`'s shape into a fresh buffer: one fused pass, where
// a chain of Variable ops would make a temporary per step.
template <typename T, typename E>
Tensor<T> const_tensor(const Tensor<T>& like, E&& expr) {
  Tensor<T> c = Tensor<T>::from_shape(like.shape());
  xt::noalias(c) = std::forward<E>(expr);
  return c;
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// ---- the backward ops -----------------------------------------------------------------------------
// Each op's gradient is itself a recorded op: a fused kernel computes it in one pass, and its own
// backward (the second derivative) is written with Variable ops. Plain backward and create_graph
// therefore run the same kernel, and each derivative is written exactly once.

// gx = gy / (2·y), y = √x.  d/dgy: the same op on G;  d/dy: −G·gx / y.
template <typename T>
Variable<T> sqrt_backward(const Variable<T>& gy, const Variable<T>& y) {
  Tensor<T> gx = const_tensor(gy.data(), T(0.5) * gy.data() / y.data());
  return record<T>("sqrt_backward", std::move(gx), {gy, y},
                   [](const Inputs<T>& in, const Variable<T>& out, const Variable<T>& G) {
                     return make_grads<T>({sqrt_backward(G, in[1]), neg(div(mul(G, out), in[1]))});
                   });
}

// gx = gy·(1 − y²), y = tanh x.  d/dgy: the same op on G;  d/dy: −2·G·gy·y.
template <typename T>
Variable<T> tanh_backward(const Variable<T>& gy, const Variable<T>& y) {
  Tensor<T> gx;
  kernels::tanh_backward(gy.data(), y.data(), gx);
  return record<T>("tanh_backward", std::move(gx), {gy, y},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({tanh_backward(G, in[1]), mul_scalar(mul(mul(G, in[0]), in[1]), -2.0)});
                   });
}

// gx = gy·y·(1 − y), y = σ(x).  d/dgy: the same op on G;  d/dy: G·gy·(1 − 2y).
template <typename T>
Variable<T> sigmoid_backward(const Variable<T>& gy, const Variable<T>& y) {
  Tensor<T> gx;
  kernels::sigmoid_backward(gy.data(), y.data(), gx);
  return record<T>("sigmoid_backward", std::move(gx), {gy, y},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     const Variable<T> one_minus_2y = rsub_scalar(mul_scalar(in[1], 2.0), 1.0);
                     return make_grads<T>({sigmoid_backward(G, in[1]), mul(mul(G, in[0]), one_minus_2y)});
                   });
}

// gx = gy where y > 0, else 0 (y = relu x: y > 0 exactly where x > 0). Linear in gy with a mask
// that is piecewise constant in y: d/dgy is the same op on G, d/dy is zero.
template <typename T>
Variable<T> relu_backward(const Variable<T>& gy, const Variable<T>& y) {
  const Tensor<T>& yv = y.data();
  // One fused pass: a select per element, which vectorises (xt::where over two tensors does not).
  // gy is read whatever the mask: a load only under the condition would keep the loop scalar.
  Tensor<T> gx = Tensor<T>::from_shape(yv.shape());
  const T* pyv = yv.data();
  const T* pg = gy.data().data();
  T* pgx = gx.data();
  detail::parallel_range(yv.size(), detail::kMinParallelElements, [=](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const T g = pg[i];
      pgx[i] = pyv[i] > T(0) ? g : T(0);
    }
  });
  return record<T>("relu_backward", std::move(gx), {gy, y},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({relu_backward(G, in[1]), Variable<T>()});
                   });
}

// gx = gy·sign(x) (0 at 0). d/dgy: the same op on G; d/dx: zero (sign is piecewise constant).
template <typename T>
Variable<T> abs_backward(const Variable<T>& gy, const Variable<T>& x) {
  const Tensor<T>& xv = x.data();
  const Tensor<T>& g = gy.data();
  Tensor<T> gx = const_tensor(xv, xt::where(xv > T(0), g, xt::where(xv < T(0), -g, T(0))));
  return record<T>("abs_backward", std::move(gx), {gy, x},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({abs_backward(G, in[1]), Variable<T>()});
                   });
}

// gx = gy where lo < x < hi, else 0. d/dgy: the same op on G; d/dx: zero.
template <typename T>
Variable<T> clip_backward(const Variable<T>& gy, const Variable<T>& x, T l, T h) {
  const Tensor<T>& xv = x.data();
  Tensor<T> gx = const_tensor(xv, xt::where(xv > l && xv < h, gy.data(), T(0)));
  return record<T>("clip_backward", std::move(gx), {gy, x},
                   [l, h](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({clip_backward(G, in[1], l, h), Variable<T>()});
                   });
}

// gx = 2·gy·x. Symmetric in its two inputs: d/dgy = 2·G·x and d/dx = 2·G·gy are the same op.
template <typename T>
Variable<T> square_backward(const Variable<T>& gy, const Variable<T>& x) {
  Tensor<T> gx = const_tensor(gy.data(), T(2) * gy.data() * x.data());
  return record<T>("square_backward", std::move(gx), {gy, x},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({square_backward(G, in[1]), square_backward(G, in[0])});
                   });
}

}  // namespace

template <typename T>
Variable<T> exp(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::exp(v); });
  return record<T>("exp", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    return make_grads<T>({mul(gy, out)});
  });
}

template <typename T>
Variable<T> log(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::log(v); });
  return record<T>("log", std::move(y), {x}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({div(gy, in[0])});
  });
}

template <typename T>
Variable<T> sqrt(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::sqrt(v); });
  return record<T>("sqrt", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    return make_grads<T>({sqrt_backward(gy, out)});
  });
}

template <typename T>
Variable<T> tanh(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return xt::tanh(v); });
  return record<T>("tanh", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    return make_grads<T>({tanh_backward(gy, out)});
  });
}

template <typename T>
Variable<T> sigmoid(const Variable<T>& x) {
  Tensor<T> y;
  kernels::sigmoid(x.data(), y);  // stable in both tails
  return record<T>("sigmoid", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    return make_grads<T>({sigmoid_backward(gy, out)});
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
  detail::parallel_range(xv.size(), detail::kMinParallelElements, [=](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) py[i] = !(px[i] <= T(0)) ? px[i] : T(0);
  });
  // The backward masks by the output the node holds anyway (y > 0 exactly where x > 0): nothing
  // extra is allocated in the forward pass or kept alive between forward and backward.
  return record<T>("relu", std::move(y), {x}, [](const Inputs<T>&, const Variable<T>& out, const Variable<T>& gy) {
    return make_grads<T>({relu_backward(gy, out)});
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
    return make_grads<T>({abs_backward(gy, in[0])});
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
    return make_grads<T>({clip_backward(gy, in[0], l, h)});
  });
}

template <typename T>
Variable<T> square(const Variable<T>& x) {
  Tensor<T> y = eval_unary(x.data(), [](const auto& v) { return v * v; });
  return record<T>("square", std::move(y), {x}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({square_backward(gy, in[0])});
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
