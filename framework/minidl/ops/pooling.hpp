#pragma once
// 2-D pooling over (N,C,H,W) inputs (the book's chapter 7 Pooling layer), recorded and twice
// differentiable: each op's backward is another op of this file.

#include <cstddef>

#include "minidl/core/variable.hpp"

namespace minidl {

/// y[n,c,oh,ow] = max over the pool_h x pool_w window at (oh*stride - pad, ow*stride - pad).
///   x (N,C,H,W) -> y (N,C,OH,OW), OH = (H + 2*pad - pool_h) / stride + 1 (OW likewise).
/// Padding never wins: padded cells are ignored (as -inf), and pad < pool_h, pad < pool_w is required
/// so every window holds at least one real element. Ties go to the FIRST maximum in row-major window
/// order, so the routing of the gradient is deterministic. A NaN in a window is propagated.
/// Backward: the gradient of each output flows to its argmax element only (a scatter-add, whose
/// own backward is the matching gather).
/// Throws std::invalid_argument naming the op and shapes for a non-4-D x, zero sizes or stride,
/// pad >= pool size, or a window larger than the padded input.
template <typename T>
Variable<T> max_pool2d(const Variable<T>& x, std::size_t pool_h, std::size_t pool_w, std::size_t stride,
                       std::size_t pad = 0);

/// y[n,c,oh,ow] = (1 / (pool_h*pool_w)) Σ over the window at (oh*stride - pad, ow*stride - pad),
/// padded cells counting as zeros (the divisor is always pool_h*pool_w).
///   x (N,C,H,W) -> y (N,C,OH,OW), sizes as max_pool2d.
/// Backward: each gradient is spread evenly over its window (the adjoint, itself recorded, whose
/// backward is avg_pool2d again). Errors as max_pool2d.
template <typename T>
Variable<T> avg_pool2d(const Variable<T>& x, std::size_t pool_h, std::size_t pool_w, std::size_t stride,
                       std::size_t pad = 0);

}  // namespace minidl
