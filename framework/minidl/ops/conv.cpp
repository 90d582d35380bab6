#include "minidl/ops/conv.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "minidl/detail/blas.hpp"
#include "minidl/core/broadcast.hpp"
#include "minidl/core/record.hpp"
#include "minidl/detail/im2col.hpp"
#include "minidl/detail/parallel.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {

// S, S2: a Shape or a tensor's own shape type (read in place; a Shape is built only for a message).
template <typename S>
std::string nchw(const S& s) {
  return "(N,C,H,W)=" + shape_str(to_shape(s));
}

// Validates x against filters of shape ws and returns the geometry.
template <typename S, typename S2>
ConvGeometry check_conv(const char* op, const S& xs, const S2& ws, std::size_t stride, std::size_t pad) {
  if (ws.size() != 4) {
    throw std::invalid_argument(std::string(op) + ": W " + shape_str(to_shape(ws)) + " must be 4-D (FN,C,FH,FW)");
  }
  if (xs.size() != 4) {
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(to_shape(xs)) + " must be 4-D (N,C,H,W)");
  }
  if (xs[1] != ws[1]) {
    throw std::invalid_argument(std::string(op) + ": input " + nchw(xs) + " but W (FN,C,FH,FW)=" +
                                shape_str(to_shape(ws)) + " expects C=" + std::to_string(ws[1]));
  }
  if (ws[0] == 0) throw std::invalid_argument(std::string(op) + ": W " + shape_str(to_shape(ws)) + " has no filters");
  return conv_geometry_of(op, xs, ws[2], ws[3], stride, pad);
}

// Σ r[0..n): eight independent partial sums, so the additions vectorise instead of waiting on one
// another (a single running sum is latency-bound: ~4x slower on the bias gradient).
template <typename T>
T sum_row(const T* r, std::size_t n) {
  constexpr std::size_t kLanes = 8;
  T part[kLanes] = {};
  std::size_t p = 0;
  for (; p + kLanes <= n; p += kLanes)
    for (std::size_t j = 0; j < kLanes; ++j) part[j] += r[p + j];
  T acc = 0;
  for (; p < n; ++p) acc += r[p];
  for (std::size_t j = 0; j < kLanes; ++j) acc += part[j];
  return acc;
}

// Checks that gy has the output shape conv2d would give for x_shape and w_shape.
template <typename S, typename S2, typename S3>
void check_gy(const char* op, const S& gys, const S2& xs, const S3& ws, const ConvGeometry& g) {
  const TensorShape expect{g.N, ws[0], g.OH, g.OW};
  if (!equal_extents(gys, expect)) {
    throw std::invalid_argument(std::string(op) + ": gy " + shape_str(to_shape(gys)) + " but input " + nchw(xs) +
                                " and W " + shape_str(to_shape(ws)) + " give output " + shape_str(to_shape(expect)));
  }
}

// The geometry of one sample of g: the conv kernels below work a sample at a time, so the column
// matrix of one image (C*FH*FW, OH*OW) stays in cache between im2col and the GEMM that reads it,
// and each GEMM writes straight into that sample's (FN, OH*OW) block of the (N, FN, OH, OW) output.
// A single GEMM over the whole batch needs the batch's columns in memory (and, for the output,
// an (FN, N*P) -> (N, FN, P) re-layout): measured several times slower here for the book's shapes.
inline ConvGeometry one_sample(ConvGeometry g) {
  g.N = 1;
  return g;
}

// Samples are independent in the forward pass and the input gradient: they are cut into up to
// kSampleChunks chunks that threads take in turn (detail/parallel.hpp); each thread has its own
// column buffer. Which thread runs a sample never changes its result.
constexpr std::size_t kSampleChunks = 8;

// Chunks for n samples of `flops_per_sample` multiply-adds each: one below ~1M in all, where waking
// another thread costs more than it saves.
inline std::size_t sample_chunks(std::size_t n, std::size_t flops_per_sample) {
  return n * flops_per_sample < (std::size_t(1) << 20) ? 1 : std::min(n, kSampleChunks);
}

// The weight gradient sums over samples: kWeightGradChunks partial sums (one for small problems),
// one per chunk of samples, added in chunk order. The count depends on the sizes only, so the
// result is the same bit for bit at every thread count.
constexpr std::size_t kWeightGradChunks = 4;

// Forward kernel shared by conv2d (with or without bias).
template <typename T>
Tensor<T> conv_forward(const Tensor<T>& x, const Tensor<T>& w, const T* bias, const ConvGeometry& g) {
  const std::size_t FN = w.shape()[0], CK = g.col_rows(), P = g.OH * g.OW, in_sample = g.C * g.H * g.W;
  const ConvGeometry one = one_sample(g);
  Tensor<T> y = Tensor<T>::from_shape({g.N, FN, g.OH, g.OW});
  const std::size_t chunks = sample_chunks(g.N, FN * P * CK);
  detail::parallel_chunks(chunks, [&](std::size_t c) {
    T* col = conv_workspace<T>(CK * P);
    for (std::size_t n = detail::chunk_begin(g.N, chunks, c); n < detail::chunk_begin(g.N, chunks, c + 1); ++n) {
      im2col(x.data() + n * in_sample, one, col);
      T* yn = y.data() + n * FN * P;
      // y_n (FN, P) = W (FN, C*FH*FW) · col (C*FH*FW, P)
      blas::gemm<T>(false, false, FN, P, CK, T(1), w.data(), CK, col, P, T(0), yn, P);
      if (bias) {
        for (std::size_t f = 0; f < FN; ++f) {
          const T bf = bias[f];
          T* row = yn + f * P;
          for (std::size_t p = 0; p < P; ++p) row[p] += bf;
        }
      }
    }
  });
  return y;
}

// gW (FN, C*FH*FW) = Σ_n gy_n (FN, P) · col_nᵀ (P, C*FH*FW), and when gb is given also
// gb[f] = Σ_{n,p} gy[n,f,p], summed while gy_n is still in cache from its GEMM.
template <typename T>
void weight_grad_kernel(const T* x, const T* gy, const ConvGeometry& g, std::size_t FN, T* gw, T* gb) {
  const std::size_t CK = g.col_rows(), P = g.OH * g.OW, in_sample = g.C * g.H * g.W;
  const ConvGeometry one = one_sample(g);
  if (g.N == 0 || P == 0) {
    std::fill(gw, gw + FN * CK, T(0));
    if (gb) std::fill(gb, gb + FN, T(0));
    return;
  }
  // Chunk 0 sums into gw/gb, chunk c > 0 into its slice of `partial`.
  const std::size_t chunks = sample_chunks(g.N, FN * P * CK) == 1 ? 1 : std::min(g.N, kWeightGradChunks);
  const std::size_t per_chunk = FN * CK + FN;
  Tensor<T> partial = Tensor<T>::from_shape({(chunks - 1) * per_chunk});
  detail::parallel_chunks(chunks, [&](std::size_t c) {
    T* col = conv_workspace<T>(CK * P);
    T* cw = c == 0 ? gw : partial.data() + (c - 1) * per_chunk;
    T* cb = c == 0 ? gb : (gb ? cw + FN * CK : nullptr);
    const std::size_t first = detail::chunk_begin(g.N, chunks, c), end = detail::chunk_begin(g.N, chunks, c + 1);
    for (std::size_t n = first; n < end; ++n) {
      im2col(x + n * in_sample, one, col);
      const T* gyn = gy + n * FN * P;
      blas::gemm<T>(false, true, FN, CK, P, T(1), gyn, P, col, P, n == first ? T(0) : T(1), cw, CK);
      if (cb) {
        for (std::size_t f = 0; f < FN; ++f) cb[f] = (n == first ? T(0) : cb[f]) + sum_row(gyn + f * P, P);
      }
    }
  });
  for (std::size_t c = 1; c < chunks; ++c) {
    const T* pw = partial.data() + (c - 1) * per_chunk;
    for (std::size_t i = 0; i < FN * CK; ++i) gw[i] += pw[i];
    if (gb)
      for (std::size_t f = 0; f < FN; ++f) gb[f] += pw[FN * CK + f];
  }
}

// gb[f] = Σ_{n,oh,ow} gy[n,f,oh,ow] as a recorded op. `value` is the sum when the caller already
// has it (weight_grad_kernel computes it in the same pass as gW); otherwise it is computed here.
// Its adjoint spreads each G[f] over plane f of every sample, which is its backward.
template <typename T>
Variable<T> conv2d_backward_bias(const Variable<T>& gy, Tensor<T> value = Tensor<T>()) {
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
      weight_grad_kernel(in[0].data().data(), gy.data().data(), g, ws[0], gw.data(), gb.data());
      grads[1] = record<T>("conv2d_backward_weight", std::move(gw), {in[0], gy},
                           [stride, pad](const Inputs<T>& wi, const Variable<T>&,
                                         const Variable<T>& H) {
                             return weight_grad_backward(wi, H, stride, pad);
                           });
      grads[2] = conv2d_backward_bias(gy, std::move(gb));
      return grads;
    }
    if (in[1].requires_grad()) {
      grads[1] = conv2d_backward_weight(in[0], gy, in[1].shape(), stride, pad);
    }
    if (bias_grad) grads[2] = conv2d_backward_bias(gy);
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
  weight_grad_kernel(x.data().data(), gy.data().data(), g, w_shape[0], gw.data(), static_cast<T*>(nullptr));
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
