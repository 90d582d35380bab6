#pragma once
// Convolution followed by max pooling as one recorded op (SimpleConvNet's conv1 + pool1).
//
// The two computed apart write the whole convolution output (N,FN,OH,OW) to memory and read it
// back to pool it, and in the backward write the scattered pooled gradient, as large again, and
// read it back for the weight gradient. For the book's SimpleConvNet that output is 100x30x24x24
// floats (6.9 MB, more than a core's cache), and those passes cost a third of a training step
// beyond its matrix products. Fused, each sample's convolution output is pooled while it is still
// in cache, and in the backward each sample's pooled gradient is scattered into a cached block just
// before its weight-gradient product: neither large tensor exists.

#include <cstddef>

#include "minidl/core/variable.hpp"

namespace minidl {

/// max_pool2d(conv2d(x, W, b, stride, pad), pool_h, pool_w, pool_stride, pool_pad), equal to it
/// bit for bit (the same kernels per sample), in value and in every gradient.
///   x (N,C,H,W), W (FN,C,FH,FW), b (FN) -> y (N,FN,PH,PW), where (OH,OW) is the convolution's
///   output size (ops/conv.hpp) and PH = (OH + 2*pool_pad - pool_h) / pool_stride + 1 (PW likewise).
/// `b` may be an undefined Variable: no bias. Pooling rules as max_pool2d: ties go to the first
/// maximum, padding never wins, a NaN propagates.
/// Backward, with S the scatter of a pooled gradient to its argmax positions (max_pool2d's
/// backward): gx = conv2d_backward_input(S(gy), W), gb = Σ over n, ph, pw of gy (recorded as
/// conv2d_max_pool2d_backward_bias), and
/// gW = conv2d_backward_weight(x, S(gy)) computed as the recorded op
/// conv2d_max_pool2d_backward_weight, a sample at a time, whose own backward is
/// conv2d_backward_input(S(gy), H) for x and the gather of conv2d(x, H) for gy.
/// Throws std::invalid_argument naming the op and the shapes, as conv2d and max_pool2d do.
template <typename T>
Variable<T> conv2d_max_pool2d(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b, std::size_t stride,
                              std::size_t pad, std::size_t pool_h, std::size_t pool_w, std::size_t pool_stride,
                              std::size_t pool_pad = 0);

/// relu(conv2d_max_pool2d(x, W, b, ...)), equal to it (and to relu(max_pool2d(conv2d(...)))) bit for
/// bit in value and in every gradient, with the ReLU applied to each sample's pooled outputs while
/// they are in cache: no separate pass over the result forward, none over its gradient backward.
/// The ReLU keeps a NaN, as relu does. Its gradient is 0 where an output is not > 0, so such an
/// output routes its gradient to no input: S, and everything built on it above (gb sums over the
/// routed outputs only), skips it. The op SimpleConvNet's conv1 runs (Conv2dMaxPool with a ReLU).
template <typename T>
Variable<T> conv2d_max_pool2d_relu(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b,
                                   std::size_t stride, std::size_t pad, std::size_t pool_h, std::size_t pool_w,
                                   std::size_t pool_stride, std::size_t pool_pad = 0);

}  // namespace minidl
