#include "minidl/ops/conv_pool.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "minidl/core/record.hpp"
#include "minidl/detail/conv_kernels.hpp"
#include "minidl/detail/max_pool_index.hpp"
#include "minidl/detail/parallel.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/conv.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {

// The shapes of one fused op: the convolution's geometry over the input, and the pooling's over
// the convolution's output.
struct ConvPoolGeometry {
  ConvGeometry conv, pool;
  std::size_t FN = 0;
  TensorShape conv_shape() const { return {conv.N, FN, conv.OH, conv.OW}; }
};

template <typename S, typename S2>
ConvPoolGeometry check_conv_pool(const char* op, const S& xs, const S2& ws, std::size_t stride, std::size_t pad,
                                 std::size_t pool_h, std::size_t pool_w, std::size_t pool_stride,
                                 std::size_t pool_pad) {
  ConvPoolGeometry g;
  g.conv = detail::check_conv(op, xs, ws, stride, pad);
  g.FN = ws[0];
  g.pool = detail::max_pool_geometry(op, g.conv_shape(), pool_h, pool_w, pool_stride, pool_pad);
  return g;
}

// gW = Σ_n S(gy)_n · col(x_n)ᵀ: conv2d_backward_weight(x, S(gy)) with each sample's scattered
// gradient built in the thread's workspace just before its product. `gb`, when given, receives
// Σ S(gy) per filter from the same blocks, the sum conv2d's backward forms.
template <typename T>
Variable<T> pooled_weight_grad(const Variable<T>& x, const Variable<T>& gy, const detail::ArgmaxIndexPtr& idx,
                               const ConvPoolGeometry& g, const TensorShape& w_shape, std::size_t stride, std::size_t pad,
                               T* gb) {
  const std::size_t FN = g.FN;
  Tensor<T> gw = Tensor<T>::from_shape(w_shape);
  const T* pg = gy.data().data();
  const detail::ArgmaxIndex& index = *idx;
  detail::weight_grad_kernel(
      x.data().data(), g.conv, FN, true,
      [&](std::size_t n, T* scratch) {
        detail::scatter_planes(pg, index, n * FN, FN, scratch);
        return static_cast<const T*>(scratch);
      },
      gw.data(), gb);
  return record<T>("conv2d_max_pool2d_backward_weight", std::move(gw), {x, gy},
                   [idx, g, stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& H) {
                     Grads<T> grads = make_grads<T>(2);
                     if (in[0].requires_grad()) {
                       grads[0] = conv2d_backward_input(detail::scatter_by_index(in[1], idx, g.conv_shape()), H,
                                                        in[0].shape(), stride, pad);
                     }
                     if (in[1].requires_grad()) {
                       grads[1] = detail::gather_by_index(conv2d(in[0], H, Variable<T>(), stride, pad), idx,
                                                          in[1].data().shape());
                     }
                     return grads;
                   });
}

// Σ over n, p of S(gy)[n, f, p] for the bias gradient when the weights need none: summed as
// conv2d_backward_bias sums a whole gradient (sample by sample, each scattered row by sum_row), so
// it equals the composition's bit for bit, without the whole scattered gradient in memory.
template <typename T>
Tensor<T> pooled_bias_sum(const Tensor<T>& gy, const detail::ArgmaxIndex& idx, const ConvPoolGeometry& g) {
  const std::size_t FN = g.FN, P = g.conv.OH * g.conv.OW;
  Tensor<T> value = zeros_tensor<T>({FN});
  T* block = conv_workspace<T>(FN * P);
  for (std::size_t n = 0; n < g.conv.N; ++n) {
    detail::scatter_planes(gy.data(), idx, n * FN, FN, block);
    for (std::size_t f = 0; f < FN; ++f) value.data()[f] += detail::sum_row(block + f * P, P);
  }
  return value;
}

// gb: per filter, the sum of the pooled gradient over the outputs that route to an input (every
// output, unless a fused ReLU cut some off), its `value` already formed from the scattered blocks.
// Linear in gy: its backward gives each routed output its filter's G and a cut one 0, which is the
// gather of G spread over the convolution's planes.
template <typename T>
Variable<T> pooled_bias_grad(const Variable<T>& gy, Tensor<T> value, const detail::ArgmaxIndexPtr& idx,
                             const ConvPoolGeometry& g) {
  return record<T>("conv2d_max_pool2d_backward_bias", std::move(value), {gy},
                   [idx, g](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     const Variable<T> spread = broadcast_to(reshape(G, Shape{1, g.FN, 1, 1}), to_shape(g.conv_shape()));
                     return make_grads<T>({detail::gather_by_index(spread, idx, in[0].data().shape())});
                   });
}

// Clears one sample's pooled outputs and argmax offsets in whole cache lines, for a forward split
// over threads. The pooling kernels store them in pieces smaller than a line (12 windows, 48
// bytes, on the book's planes), and a store to part of a line first fetches the line. The output
// buffer comes from the tensor cache, and when threads share the samples its lines were likely
// last written on another core, so each fetch waits on that core. A fill of whole lines need not
// wait for their data, and leaves them in this core's cache for the kernels. Measured on W3's
// forward at 2 threads: 530-538 -> 392-400 µs (the kernels' part of it 2.5x shorter). On one
// thread the fill only costs (715-734 -> 744-761 µs), so a forward that is not split skips it.
template <typename T>
void clear_in_whole_lines(T* y, std::uint32_t* index, std::size_t n) {
  std::memset(y, 0, n * sizeof(T));
  if (index) std::memset(index, 0, n * sizeof(std::uint32_t));
}

// y = relu(y) on one sample's pooled outputs, and a cut in the index (if any) where the ReLU's
// gradient is 0: relu'(m) is 0 unless m > 0, a NaN included. relu keeps a NaN ("not <= 0"), as the
// relu op does.
template <typename T>
void relu_in_place(T* y, std::uint32_t* index, std::size_t n) {
  if (index) {
    for (std::size_t k = 0; k < n; ++k) index[k] = y[k] > T(0) ? index[k] : detail::ArgmaxIndex::kNoInput;
  }
  for (std::size_t k = 0; k < n; ++k) y[k] = !(y[k] <= T(0)) ? y[k] : T(0);
}

// conv2d_max_pool2d, and with `relu` conv2d_max_pool2d_relu: one forward, one backward.
template <typename T>
Variable<T> conv_pool(const char* op, const Variable<T>& x, const Variable<T>& W, const Variable<T>& b,
                      std::size_t stride, std::size_t pad, std::size_t pool_h, std::size_t pool_w,
                      std::size_t pool_stride, std::size_t pool_pad, bool relu) {
  const auto& ws = W.data().shape();
  const ConvPoolGeometry g = check_conv_pool(op, x.data().shape(), ws, stride, pad, pool_h, pool_w, pool_stride,
                                             pool_pad);
  const bool has_bias = b.defined();
  if (has_bias && !(b.ndim() == 1 && b.data().shape()[0] == g.FN)) {
    throw std::invalid_argument(std::string(op) + ": bias " + shape_str(b.shape()) +
                                " does not match W (FN,C,FH,FW)=" + shape_str(W.shape()) + " (needs b (" +
                                std::to_string(g.FN) + "))");
  }
  const ConvGeometry one = detail::one_sample(g.conv);
  const ConvGeometry pool_one = detail::one_sample(g.pool);
  const std::size_t FN = g.FN, CK = g.conv.col_rows(), P = g.conv.OH * g.conv.OW;
  const std::size_t pooled = FN * g.pool.OH * g.pool.OW, in_sample = g.conv.C * g.conv.H * g.conv.W;
  Tensor<T> y = Tensor<T>::from_shape({g.conv.N, FN, g.pool.OH, g.pool.OW});
  const bool need_index = has_bias ? will_record<T>({x, W, b}) : will_record<T>({x, W});
  std::shared_ptr<detail::ArgmaxIndex> index;
  if (need_index) {
    index = detail::make_argmax_index(g.pool);
    index->has_cuts = relu;
  }
  const T* pw = W.data().data();
  const T* pb = has_bias ? b.data().data() : nullptr;
  const std::size_t chunks = detail::sample_chunks(g.conv.N, FN * P * CK);
  const bool split = chunks > 1 && detail::parallel_threads() > 1 && !detail::inside_parallel_chunk();
  detail::parallel_chunks(chunks, [&](std::size_t c) {
    // One sample's columns, then its (FN, OH*OW) convolution output, pooled from cache.
    T* col = conv_workspace<T>(detail::after_columns<T>(CK * P) + FN * P);
    T* block = col + detail::after_columns<T>(CK * P);
    for (std::size_t n = detail::chunk_begin(g.conv.N, chunks, c); n < detail::chunk_begin(g.conv.N, chunks, c + 1);
         ++n) {
      detail::conv_sample(x.data().data() + n * in_sample, pw, pb, one, FN, col, block);
      T* pooled_n = y.data() + n * pooled;
      std::uint32_t* index_n = index ? index->offset.data() + n * pooled : nullptr;
      if (split) clear_in_whole_lines(pooled_n, index_n, pooled);
      detail::max_pool_planes(block, pool_one, pooled_n, index_n);
      if (relu) relu_in_place(pooled_n, index_n, pooled);
    }
  });
  if (!need_index) return Variable<T>(std::move(y));
  detail::ArgmaxIndexPtr idx = std::move(index);
  auto backward = [idx, g, stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    Grads<T> grads = make_grads<T>(in.size());
    if (in[0].requires_grad()) {
      grads[0] = conv2d_backward_input(detail::scatter_by_index(gy, idx, g.conv_shape()), in[1], in[0].shape(),
                                       stride, pad);
    }
    const bool bias_grad = in.size() == 3 && in[2].requires_grad();
    if (in[1].requires_grad()) {
      Tensor<T> gb = bias_grad ? Tensor<T>::from_shape({g.FN}) : Tensor<T>();
      grads[1] = pooled_weight_grad(in[0], gy, idx, g, in[1].data().shape(), stride, pad,
                                    bias_grad ? gb.data() : nullptr);
      // The bias gradient of the pooled output is the sum of gy itself (a scatter keeps sums); its
      // value here comes from the scattered blocks, as conv2d's backward forms it.
      if (bias_grad) grads[2] = pooled_bias_grad(gy, std::move(gb), idx, g);
    } else if (bias_grad) {
      grads[2] = pooled_bias_grad(gy, pooled_bias_sum(gy.data(), *idx, g), idx, g);
    }
    return grads;
  };
  // Brace lists, so the node's input list comes from the recycled ones (core/variable_lists.hpp).
  if (has_bias) return record<T>(op, std::move(y), {x, W, b}, std::move(backward));
  return record<T>(op, std::move(y), {x, W}, std::move(backward));
}

}  // namespace

template <typename T>
Variable<T> conv2d_max_pool2d(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b, std::size_t stride,
                              std::size_t pad, std::size_t pool_h, std::size_t pool_w, std::size_t pool_stride,
                              std::size_t pool_pad) {
  return conv_pool("conv2d_max_pool2d", x, W, b, stride, pad, pool_h, pool_w, pool_stride, pool_pad, false);
}

template <typename T>
Variable<T> conv2d_max_pool2d_relu(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b,
                                   std::size_t stride, std::size_t pad, std::size_t pool_h, std::size_t pool_w,
                                   std::size_t pool_stride, std::size_t pool_pad) {
  return conv_pool("conv2d_max_pool2d_relu", x, W, b, stride, pad, pool_h, pool_w, pool_stride, pool_pad, true);
}

template Variable<float> conv2d_max_pool2d<float>(const Variable<float>&, const Variable<float>&,
                                                  const Variable<float>&, std::size_t, std::size_t, std::size_t,
                                                  std::size_t, std::size_t, std::size_t);
template Variable<double> conv2d_max_pool2d<double>(const Variable<double>&, const Variable<double>&,
                                                    const Variable<double>&, std::size_t, std::size_t, std::size_t,
                                                    std::size_t, std::size_t, std::size_t);
template Variable<float> conv2d_max_pool2d_relu<float>(const Variable<float>&, const Variable<float>&,
                                                       const Variable<float>&, std::size_t, std::size_t, std::size_t,
                                                       std::size_t, std::size_t, std::size_t);
template Variable<double> conv2d_max_pool2d_relu<double>(const Variable<double>&, const Variable<double>&,
                                                         const Variable<double>&, std::size_t, std::size_t,
                                                         std::size_t, std::size_t, std::size_t, std::size_t);

}  // namespace minidl
