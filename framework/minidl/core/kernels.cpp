#include "minidl/core/kernels.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include "minidl/detail/blas.hpp"

namespace minidl::kernels {
namespace {

template <typename T>
void fit(Tensor<T>& y, const Tensor<T>& like) {
  if (y.shape() != like.shape()) y.resize(like.shape());
}

template <typename T>
void check_same(const char* op, const Tensor<T>& gy, const Tensor<T>& y) {
  if (gy.shape() != y.shape()) {
    throw std::invalid_argument(std::string("kernels::") + op + ": gy " + shape_str(to_shape(gy.shape())) + " and y " +
                                shape_str(to_shape(y.shape())) + " must have one shape");
  }
}

// n contiguous values as a 1-D xtensor expression (no copy), so the kernels below vectorise.
template <typename T>
auto span(T* p, std::size_t n) {
  return xt::adapt(p, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
}

}  // namespace

template <typename T>
void exp(const T* x, T* y, std::size_t n) {
  auto out = span(y, n);
  // noalias: no temporary (plain assignment would evaluate into a fresh buffer and copy). Each
  // element is read and written at the same index, so y == x is still safe.
  xt::noalias(out) = xt::exp(span(x, n));
}

template <typename T>
void log(const T* x, T* y, std::size_t n) {
  auto out = span(y, n);
  xt::noalias(out) = xt::log(span(x, n));
}

template <typename T>
void tanh(const T* x, T* y, std::size_t n) {
  auto out = span(y, n);
  xt::noalias(out) = xt::tanh(span(x, n));
}

template <typename T>
void sigmoid(const T* x, T* y, std::size_t n) {
  // e = e^(−|x|) ∈ (0, 1], so neither branch can overflow: σ(x) = 1/(1+e) for x ≥ 0 and
  // e/(1+e) for x < 0. Blocks of e on the stack keep it one exp per element and in-place safe
  // (each block of x is read before the same block of y is written).
  constexpr std::size_t kBlock = 256;
  alignas(64) T e[kBlock];
  for (std::size_t at = 0; at < n; at += kBlock) {
    const std::size_t m = std::min(kBlock, n - at);
    auto in = span(x + at, m);
    auto eb = span(static_cast<T*>(e), m);
    xt::noalias(eb) = xt::exp(-xt::abs(in));
    auto out = span(y + at, m);
    xt::noalias(out) = xt::where(in >= T(0), T(1), eb) / (T(1) + eb);
  }
}

template <typename T>
void exp(const Tensor<T>& x, Tensor<T>& y) {
  fit(y, x);
  exp(x.data(), y.data(), x.size());
}

template <typename T>
void log(const Tensor<T>& x, Tensor<T>& y) {
  fit(y, x);
  log(x.data(), y.data(), x.size());
}

template <typename T>
void tanh(const Tensor<T>& x, Tensor<T>& y) {
  fit(y, x);
  tanh(x.data(), y.data(), x.size());
}

template <typename T>
void sigmoid(const Tensor<T>& x, Tensor<T>& y) {
  fit(y, x);
  sigmoid(x.data(), y.data(), x.size());
}

template <typename T>
void sigmoid_backward(const Tensor<T>& gy, const Tensor<T>& y, Tensor<T>& gx) {
  check_same("sigmoid_backward", gy, y);
  fit(gx, y);
  xt::noalias(gx) = gy * y * (T(1) - y);
}

template <typename T>
void tanh_backward(const Tensor<T>& gy, const Tensor<T>& y, Tensor<T>& gx) {
  check_same("tanh_backward", gy, y);
  fit(gx, y);
  xt::noalias(gx) = gy * (T(1) - y * y);
}

template <typename T>
void gemm(const Tensor<T>& a, const Tensor<T>& b, Tensor<T>& c, bool transpose_a, bool transpose_b, T alpha, T beta) {
  if (a.dimension() != 2 || b.dimension() != 2) {
    throw std::invalid_argument("kernels::gemm: needs 2-D A and B, got " + shape_str(to_shape(a.shape())) + " and " +
                                shape_str(to_shape(b.shape())));
  }
  const std::size_t m = transpose_a ? a.shape()[1] : a.shape()[0];
  const std::size_t k = transpose_a ? a.shape()[0] : a.shape()[1];
  const std::size_t kb = transpose_b ? b.shape()[1] : b.shape()[0];
  const std::size_t n = transpose_b ? b.shape()[0] : b.shape()[1];
  if (k != kb) {
    throw std::invalid_argument("kernels::gemm: op(A) " + shape_str({m, k}) + " x op(B) " + shape_str({kb, n}) +
                                ": inner extents differ");
  }
  const Shape cs{m, n};
  if (to_shape(c.shape()) != cs) {
    if (beta != T(0)) {
      throw std::invalid_argument("kernels::gemm: C is " + shape_str(to_shape(c.shape())) + " but op(A) op(B) is " +
                                  shape_str(cs) + " (C must fit when beta != 0)");
    }
    c.resize(cs);
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta·C
    if (beta == T(0)) {
      std::fill(c.begin(), c.end(), T(0));
    } else {
      xt::noalias(c) = beta * c;
    }
    return;
  }
  blas::gemm<T>(transpose_a, transpose_b, m, n, k, alpha, a.data(), a.shape()[1], b.data(), b.shape()[1], beta,
                c.data(), n);
}

#define MINIDL_INSTANTIATE(T)                                                                  \
  template void exp<T>(const T*, T*, std::size_t);                                             \
  template void log<T>(const T*, T*, std::size_t);                                             \
  template void tanh<T>(const T*, T*, std::size_t);                                            \
  template void sigmoid<T>(const T*, T*, std::size_t);                                         \
  template void exp<T>(const Tensor<T>&, Tensor<T>&);                                          \
  template void log<T>(const Tensor<T>&, Tensor<T>&);                                          \
  template void tanh<T>(const Tensor<T>&, Tensor<T>&);                                         \
  template void sigmoid<T>(const Tensor<T>&, Tensor<T>&);                                      \
  template void sigmoid_backward<T>(const Tensor<T>&, const Tensor<T>&, Tensor<T>&);           \
  template void tanh_backward<T>(const Tensor<T>&, const Tensor<T>&, Tensor<T>&);              \
  template void gemm<T>(const Tensor<T>&, const Tensor<T>&, Tensor<T>&, bool, bool, T, T);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl::kernels
