#pragma once
// The convolution kernels behind conv2d (ops/conv.hpp) and the fused conv2d_max_pool2d
// (ops/conv_pool.hpp): shape checks, one sample's forward, and the weight gradient summed over
// samples. Internal to the ops.
//
// They work a sample at a time, so the column matrix of one image (C*FH*FW, OH*OW) stays in cache
// between im2col and the GEMM that reads it. A single GEMM over the whole batch needs the batch's
// columns in memory (and, for the output, an (FN, N*P) -> (N, FN, P) re-layout): measured several
// times slower here for the book's shapes.

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "minidl/core/broadcast.hpp"
#include "minidl/core/variable.hpp"
#include "minidl/detail/blas.hpp"
#include "minidl/detail/im2col.hpp"
#include "minidl/detail/parallel.hpp"

namespace minidl::detail {

/// "(N,C,H,W)=(...)" for a message (S: a Shape or a tensor's own shape type).
template <typename S>
std::string nchw(const S& s) {
  return "(N,C,H,W)=" + shape_str(to_shape(s));
}

/// Validates input shape xs against filters of shape ws for op `op`; returns the geometry.
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

/// Checks that gy has the output shape conv2d gives for input xs and filters ws.
template <typename S, typename S2, typename S3>
void check_gy(const char* op, const S& gys, const S2& xs, const S3& ws, const ConvGeometry& g) {
  const TensorShape expect{g.N, ws[0], g.OH, g.OW};
  if (!equal_extents(gys, expect)) {
    throw std::invalid_argument(std::string(op) + ": gy " + shape_str(to_shape(gys)) + " but input " + nchw(xs) +
                                " and W " + shape_str(to_shape(ws)) + " give output " + shape_str(to_shape(expect)));
  }
}

/// Σ r[0..n): sixteen independent partial sums, so the additions vectorise instead of waiting on one
/// another (a single running sum is latency-bound: ~4x slower on the bias gradient). With eight,
/// GCC 12 builds the float sum from scalar lane extracts: 7x slower than sixteen on 576-wide rows.
template <typename T>
T sum_row(const T* r, std::size_t n) {
  constexpr std::size_t kLanes = 16;
  T part[kLanes] = {};
  std::size_t p = 0;
  for (; p + kLanes <= n; p += kLanes)
    for (std::size_t j = 0; j < kLanes; ++j) part[j] += r[p + j];
  T acc = 0;
  for (; p < n; ++p) acc += r[p];
  for (std::size_t j = 0; j < kLanes; ++j) acc += part[j];
  return acc;
}

/// The geometry of one sample of g.
inline ConvGeometry one_sample(ConvGeometry g) {
  g.N = 1;
  return g;
}

/// Samples are independent in the forward pass and the input gradient: they are cut into up to
/// kSampleChunks chunks that threads take in turn (detail/parallel.hpp); each thread has its own
/// workspace. Which thread runs a sample never changes its result.
constexpr std::size_t kSampleChunks = 8;

/// Chunks for n samples of `flops_per_sample` multiply-adds each: one below ~1M in all, where
/// waking another thread costs more than it saves.
inline std::size_t sample_chunks(std::size_t n, std::size_t flops_per_sample) {
  return n * flops_per_sample < (std::size_t(1) << 20) ? 1 : std::min(n, kSampleChunks);
}

/// Where a second block starts after `col_values` column values in a conv workspace: rounded up to
/// 64 bytes, as the workspace itself is aligned, so both blocks start on a cache line.
template <typename T>
constexpr std::size_t after_columns(std::size_t col_values) {
  constexpr std::size_t per_line = 64 / sizeof(T);
  return (col_values + per_line - 1) / per_line * per_line;
}

/// The weight gradient sums over samples: kWeightGradChunks partial sums (one for small problems),
/// one per chunk of samples, added in chunk order. The count depends on the sizes only, so the
/// result is the same bit for bit at every thread count.
constexpr std::size_t kWeightGradChunks = 4;

/// One sample's convolution: y_n (FN, P) = W (FN, C*FH*FW) · im2col(x_n) (C*FH*FW, P), plus
/// bias[f] on row f when bias is given. `one` is the geometry of one sample; `col` is a workspace
/// of C*FH*FW * P values.
template <typename T>
void conv_sample(const T* x_n, const T* w, const T* bias, const ConvGeometry& one, std::size_t FN, T* col, T* y_n) {
  const std::size_t CK = one.col_rows(), P = one.OH * one.OW;
  im2col(x_n, one, col);
  blas::gemm<T>(false, false, FN, P, CK, T(1), w, CK, col, P, T(0), y_n, P);
  if (bias) {
    for (std::size_t f = 0; f < FN; ++f) {
      const T bf = bias[f];
      T* row = y_n + f * P;
      for (std::size_t p = 0; p < P; ++p) row[p] += bf;
    }
  }
}

/// gW (FN, C*FH*FW) = Σ_n gy_n (FN, P) · col_nᵀ (P, C*FH*FW), and when gb is given also
/// gb[f] = Σ_{n,p} gy[n,f,p], summed while gy_n is still in cache from its GEMM.
/// `gy_of(n, scratch)` returns sample n's (FN, P) gradient block: a pointer into a whole gy, or,
/// when `gy_scratch` is set, `scratch` (FN * P values of the calling thread's workspace) after
/// filling it.
template <typename T, typename GyOf>
void weight_grad_kernel(const T* x, const ConvGeometry& g, std::size_t FN, bool gy_scratch, GyOf&& gy_of, T* gw,
                        T* gb) {
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
  parallel_chunks(chunks, [&](std::size_t c) {
    T* col = conv_workspace<T>(gy_scratch ? after_columns<T>(CK * P) + FN * P : CK * P);
    T* scratch = gy_scratch ? col + after_columns<T>(CK * P) : nullptr;
    T* cw = c == 0 ? gw : partial.data() + (c - 1) * per_chunk;
    T* cb = c == 0 ? gb : (gb ? cw + FN * CK : nullptr);
    const std::size_t first = chunk_begin(g.N, chunks, c), end = chunk_begin(g.N, chunks, c + 1);
    for (std::size_t n = first; n < end; ++n) {
      im2col(x + n * in_sample, one, col);
      const T* gyn = gy_of(n, scratch);
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

/// gb[f] = Σ over every axis but 1 of gy (N,FN,...) as a recorded op. `value` is the sum when the
/// caller already has it (weight_grad_kernel computes it in the same pass as gW); otherwise it is
/// computed here. Its adjoint spreads each G[f] over plane f of every sample, which is its backward.
template <typename T>
Variable<T> conv2d_backward_bias(const Variable<T>& gy, Tensor<T> value = Tensor<T>());

}  // namespace minidl::detail
