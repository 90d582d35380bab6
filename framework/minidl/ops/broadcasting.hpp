#pragma once
// broadcast_to and sum_to: each is the other's backward.

#include "minidl/core/variable.hpp"

namespace minidl {

/// Repeats x along new leading axes and along extent-1 axes up to `shape` (NumPy broadcast_to).
/// Backward: sum_to(gy, x.shape). Throws std::invalid_argument if x does not broadcast to shape.
template <typename T>
Variable<T> broadcast_to(const Variable<T>& x, const Shape& shape);

/// Sums x down to `shape` (undoes broadcasting). Returns x itself when the shapes already match.
/// Backward: broadcast_to(gy, x.shape).
template <typename T>
Variable<T> sum_to(const Variable<T>& x, const Shape& shape);

/// broadcast_to(x, like.shape()), reading like's shape in place (no Shape is built).
template <typename T>
Variable<T> broadcast_to_like(const Variable<T>& x, const Variable<T>& like);

/// sum_to(x, like.shape()), reading like's shape in place: what a backward function that undoes
/// broadcasting of its input `like` calls.
template <typename T>
Variable<T> sum_to_like(const Variable<T>& x, const Variable<T>& like);

}  // namespace minidl
