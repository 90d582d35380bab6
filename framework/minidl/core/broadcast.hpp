#pragma once
// NumPy broadcasting rules and their inverse. Every binary op's backward undoes broadcasting with
// the one sum_to below, so there is exactly one place where that logic lives.

#include "minidl/core/tensor.hpp"

namespace minidl {

/// The broadcast result shape of a and b (NumPy rules: align trailing axes; extents must match or
/// be 1). Throws std::invalid_argument naming `op` and both shapes when they cannot broadcast.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

/// Sums `x` down to `shape`, the inverse of broadcasting `shape` up to x's shape: leading extra
/// axes and axes where `shape` has extent 1 are summed. Throws std::invalid_argument if `shape`
/// does not broadcast to x's shape.
template <typename T>
Tensor<T> sum_to_tensor(const Tensor<T>& x, const Shape& shape);

}  // namespace minidl
