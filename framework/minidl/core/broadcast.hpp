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

/// sum_to_tensor down to the shape of `like`, read in place (no Shape is built: the backward of
/// every broadcasting op calls this once per step).
template <typename T>
Tensor<T> sum_to_tensor_like(const Tensor<T>& x, const Tensor<T>& like);

/// True when a tensor of shape `from` broadcasts to exactly `to` (broadcast_shapes(from, to) == to),
/// for any two shape containers; allocates nothing.
template <typename A, typename B>
bool broadcastable_to(const A& from, const B& to) {
  if (from.size() > to.size()) return false;
  const std::size_t lead = to.size() - from.size();
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (from[i] != to[lead + i] && from[i] != 1) return false;
  }
  return true;
}

/// True when two shape containers (Shape, a tensor's own shape type) hold the same extents.
template <typename A, typename B>
bool equal_extents(const A& a, const B& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace minidl
