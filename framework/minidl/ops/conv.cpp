#include "minidl/ops/conv.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "minidl/core/record.hpp"
#include "minidl/detail/im2col.hpp"
#include "minidl/detail/parallel.hpp"
#include "minidl/detail/conv_kernels.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {

using detail::check_conv;
using detail::check_gy;
using detail::one_sample;
using detail::sample_chunks;

// Forward of conv2d (with or without bias): each sample's GEMM writes straight into that sample's
// (FN, OH*OW) block of the (N, FN, OH, OW) output.
template <typename T>
Tensor<T> conv_forward(const Tensor<T>& x, const Tensor<T>& w, const T* bias, const ConvGeometry& g) {
  const std::size_t FN = w.shape()[0], CK = g.col_rows(), P = g.OH * g.OW, in_sample = g.C * g.H * g.W;
  const ConvGeometry one = one_sample(g);
  Tensor<T> y = Tensor<T>::from_shape({g.N, FN, g.OH, g.OW});
  const std::size_t chunks = sample_chunks(g.N, FN * P * CK);
  detail::parallel_chunks(chunks, [&](std::size_t c) {
    T* col = conv_workspace<T>(CK * P);
    for (std::size_t n = detail::chunk_begin(g.N, chunks, c); n < detail::chunk_begin(g.N, chunks, c + 1); ++n) {
      detail::conv_sample(x.data() + n * in_sample, w.data(), bias, one, FN, col, y.data() + n * FN * P);
    }
  });
  return y;
}

// The weight gradient (and bias gradient when gb is given) from a whole gy.
template <typename T>
void weight_grad(const T* x, const T* gy, const ConvGeometry& g, std::size_t FN, T* gw, T* gb) {
  const std::size_t block = FN * g.OH * g.OW;
  detail::weight_grad_kernel(x, g, FN, false, [gy, block](std::size_t n, T*) { return gy + n * block; }, gw, gb);
}

}  // namespace

namespace detail {

template <typename T>
Variable<T> conv2d_backward_bias(const Variable<T>& gy, Tensor<T> value) {
  const auto& s = gy.data().shape();
  const std::size_t N = s[0], FN = s[1], P = s[2] * s[3];
  if (value.size() != FN) {
    value = zeros_tensor<T>({FN});
    const T* pg = gy.data().data();
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t f = 0; f < FN; ++f) value.data()[f] += sum_row(pg + (n * FN + f) * P, P);
  }
  return record<T>("conv2d_backward_bias", std::move(value), {gy},
                   [FN](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({broadcast_to(reshape(G, Shape{1, FN, 1, 1}), in[0].shape())});
                   });
}

template Variable<float> conv2d_backward_bias<float>(const Variable<float>&, Tensor<float>);
template Variable<double> conv2d_backward_bias<double>(const Variable<double>&, Tensor<double>);

}  // namespace detail

namespace {

// The backward of conv2d_backward_weight: bilinear in x and gy.
template <typename T>
Grads<T> weight_grad_backward(const Inputs<T>& in, const Variable<T>& H, std::size_t stride, std::size_t pad);

}  // namespace

template <typename T>
Variable<T> conv2d(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b, std::size_t stride,
                   std::size_t pad) {
  const auto& ws = W.data().shape();
  const ConvGeometry g = check_conv("conv2d", x.data().shape(), ws, stride, pad);
  const bool has_bias = b.defined();
  if (has_bias && !(b.ndim() == 1 && b.data().shape()[0] == ws[0])) {
    throw std::invalid_argument("conv2d: bias " + shape_str(b.shape()) + " does not match W (FN,C,FH,FW)=" +
                                shape_str(W.shape()) + " (needs b (" + std::to_string(ws[0]) + "))");
  }
  Tensor<T> y = conv_forward(x.data(), W.data(), has_bias ? b.data().data() : nullptr, g);
  auto backward = [stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    Grads<T> grads = make_grads<T>(in.size());
    if (in[0].requires_grad()) grads[0] = conv2d_backward_input(gy, in[1], in[0].shape(), stride, pad);
    const bool bias_grad = in.size() == 3 && in[2].requires_grad();
    if (in[1].requires_grad() && bias_grad) {
      // One pass over gy gives both gradients; each is still its own recorded op.
      const auto& ws = in[1].data().shape();
      const auto& xs = in[0].data().shape();
      const ConvGeometry g = check_conv("conv2d_backward_weight", xs, ws, stride, pad);
      check_gy("conv2d_backward_weight", gy.data().shape(), xs, ws, g);
      Tensor<T> gw = Tensor<T>::from_shape(ws);
      Tensor<T> gb = Tensor<T>::from_shape({ws[0]});
      weight_grad(in[0].data().data(), gy.data().data(), g, ws[0], gw.data(), gb.data());
      grads[1] = record<T>("conv2d_backward_weight", std::move(gw), {in[0], gy},
                           [stride, pad](const Inputs<T>& wi, const Variable<T>&,
                                         const Variable<T>& H) {
                             return weight_grad_backward(wi, H, stride, pad);
                           });
      grads[2] = detail::conv2d_backward_bias(gy, std::move(gb));
      return grads;
    }
    if (in[1].requires_grad()) {
      grads[1] = conv2d_backward_weight(in[0], gy, in[1].shape(), stride, pad);
    }
    if (bias_grad) grads[2] = detail::conv2d_backward_bias(gy);
    return grads;
  };
  // Brace lists, so the node's input list comes from the recycled ones (core/variable_lists.hpp).
  if (has_bias) return record<T>("conv2d", std::move(y), {x, W, b}, std::move(backward));
  return record<T>("conv2d", std::move(y), {x, W}, std::move(backward));
}
template <typename T>
Variable<T> conv2d_backward_input(const Variable<T>& gy, const Variable<T>& W, const Shape& x_shape,
                                  std::size_t stride, std::size_t pad) {
  const auto& ws = W.data().shape();
  const ConvGeometry g = check_conv("conv2d_backward_input", x_shape, ws, stride, pad);
  check_gy("conv2d_backward_input", gy.data().shape(), x_shape, ws, g);
  const std::size_t FN = ws[0], CK = g.col_rows(), P = g.OH * g.OW, in_sample = g.C * g.H * g.W;
  const ConvGeometry one = one_sample(g);
  Tensor<T> gx = zeros_tensor<T>(x_shape);
  const std::size_t chunks = sample_chunks(g.N, FN * P * CK);
  detail::parallel_chunks(chunks, [&](std::size_t c) {
    T* gcol = conv_workspace<T>(CK * P);
    for (std::size_t n = detail::chunk_begin(g.N, chunks, c); n < detail::chunk_begin(g.N, chunks, c + 1); ++n) {
      // gcol (C*FH*FW, P) = Wᵀ (C*FH*FW, FN) · gy_n (FN, P); Wᵀ by flag, not by copy.
      blas::gemm<T>(true, false, CK, P, FN, T(1), W.data().data(), CK, gy.data().data() + n * FN * P, P, T(0), gcol,
                    P);
      col2im(gcol, one, gx.data() + n * in_sample);
    }
  });
  return record<T>("conv2d_backward_input", std::move(gx), {gy, W},
                   [stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     Grads<T> grads = make_grads<T>(2);
                     if (in[0].requires_grad()) grads[0] = conv2d(G, in[1], Variable<T>(), stride, pad);
                     if (in[1].requires_grad()) grads[1] = conv2d_backward_weight(G, in[0], in[1].shape(), stride, pad);
                     return grads;
                   });
}

template <typename T>
Variable<T> conv2d_backward_weight(const Variable<T>& x, const Variable<T>& gy, const Shape& w_shape,
                                   std::size_t stride, std::size_t pad) {
  const auto& xs = x.data().shape();
  const ConvGeometry g = check_conv("conv2d_backward_weight", xs, w_shape, stride, pad);
  check_gy("conv2d_backward_weight", gy.data().shape(), xs, w_shape, g);
  Tensor<T> gw = Tensor<T>::from_shape(w_shape);
  weight_grad(x.data().data(), gy.data().data(), g, w_shape[0], gw.data(), static_cast<T*>(nullptr));
  return record<T>("conv2d_backward_weight", std::move(gw), {x, gy},
                   [stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& H) {
                     return weight_grad_backward(in, H, stride, pad);
                   });
}

namespace {

template <typename T>
Grads<T> weight_grad_backward(const Inputs<T>& in, const Variable<T>& H, std::size_t stride, std::size_t pad) {
  Grads<T> grads = make_grads<T>(2);
  if (in[0].requires_grad()) grads[0] = conv2d_backward_input(in[1], H, in[0].shape(), stride, pad);
  if (in[1].requires_grad()) grads[1] = conv2d(in[0], H, Variable<T>(), stride, pad);
  return grads;
}

}  // namespace

#define MINIDL_CONV_INSTANTIATE(T)                                                                             \
  template Variable<T> conv2d<T>(const Variable<T>&, const Variable<T>&, const Variable<T>&, std::size_t,      \
                                 std::size_t);                                                                 \
  template Variable<T> conv2d_backward_input<T>(const Variable<T>&, const Variable<T>&, const Shape&,          \
                                                std::size_t, std::size_t);                                     \
  template Variable<T> conv2d_backward_weight<T>(const Variable<T>&, const Variable<T>&, const Shape&,         \
                                                 std::size_t, std::size_t);

MINIDL_CONV_INSTANTIATE(float)
MINIDL_CONV_INSTANTIATE(double)
#undef MINIDL_CONV_INSTANTIATE

}  // namespace minidl
