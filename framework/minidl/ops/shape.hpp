#pragma once
// Ops that only move data: reshape, transpose/permute, flatten, row gather/scatter, slice/pad and
// concat. Each one's backward is another op of this file (reshape <-> reshape, gather_rows <->
// scatter_add_rows, slice <-> pad_axis, concat -> slices), so every backward is differentiable
// again, and each backward allocates exactly one tensor: the gradient it returns.
//
// Axes are `int` and may be negative (-1 is the last axis), as in NumPy.

#include <cstddef>
#include <initializer_list>
#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// Maps a possibly negative axis to [0, ndim). Throws std::invalid_argument
/// "<op>: axis 3 is out of range for shape (2,3)" otherwise.
std::size_t resolve_axis(const char* op, int axis, const Shape& shape);

/// resolve_axis for a tensor's own shape, read in place (no Shape copy).
std::size_t resolve_axis_of(const char* op, int axis, const TensorShape& shape);

/// y = x with a new shape and the same elements in row-major order.
///   x (d0,...,dk) -> y `shape`, where prod(shape) == prod(x.shape).
/// Backward: reshape(gy, x.shape). Returns x itself when the shape is unchanged.
/// Throws std::invalid_argument "reshape: cannot reshape (2,3) to (4,2)" on a size mismatch.
template <typename T>
Variable<T> reshape(const Variable<T>& x, const Shape& shape);

/// Like reshape(x, Shape), but one extent may be -1, meaning "whatever makes the sizes match":
/// (2,3,4) reshaped to (2,-1) is (2,12). More than one -1, another negative extent, or no exact fit
/// throws std::invalid_argument ("reshape: cannot reshape (2,3) to (4,-1)").
template <typename T>
Variable<T> reshape(const Variable<T>& x, const std::vector<std::ptrdiff_t>& shape);

/// Brace-list form, so reshape(x, {2, -1}) and reshape(x, {6}) both work.
template <typename T>
Variable<T> reshape(const Variable<T>& x, std::initializer_list<std::ptrdiff_t> shape) {
  return reshape(x, std::vector<std::ptrdiff_t>(shape));
}

/// y = xᵀ for a 2-D x: (M,N) -> (N,M), y[j,i] = x[i,j]. Backward: transpose(gy).
/// Throws std::invalid_argument for any other rank (use permute).
template <typename T>
Variable<T> transpose(const Variable<T>& x);

/// y = x with its axes reordered: y.shape[k] = x.shape[axes[k]], y[i_0..i_n] = x[j] with
/// j[axes[k]] = i_k (NumPy transpose(x, axes)). (N,C,H,W) with axes (0,2,3,1) -> (N,H,W,C).
/// Backward: permute(gy, inverse(axes)). Throws std::invalid_argument unless axes is a
/// permutation of 0..ndim-1.
template <typename T>
Variable<T> permute(const Variable<T>& x, const std::vector<std::size_t>& axes);

/// Collapses axes start_axis..ndim-1 into one: (N,C,H,W) with start_axis 1 -> (N, C*H*W), which
/// is what the book does before an Affine layer. start_axis 0 gives a 1-D tensor.
/// Backward: reshape(gy, x.shape). Throws std::invalid_argument for a 0-d x or a bad axis.
template <typename T>
Variable<T> flatten(const Variable<T>& x, int start_axis = 1);

/// y[k] = x[indices[k]]: picks rows (slices along axis 0); duplicates allowed.
///   x (R, ...) -> y (K, ...), K = indices.size().
/// Backward: scatter_add_rows(gy, indices, R), so a row picked twice gets both gradients.
/// Throws std::invalid_argument "gather_rows: index 7 (position 2) is out of range for extent 5
/// of x (5,3)".
template <typename T>
Variable<T> gather_rows(const Variable<T>& x, const std::vector<std::size_t>& indices);

/// The adjoint of gather_rows: y = zeros(rows, ...), then y[indices[k]] += x[k] for every k.
///   x (K, ...) -> y (rows, ...), K = indices.size().
/// Backward: gather_rows(gy, indices). Throws std::invalid_argument when x.shape[0] != K or an
/// index is >= rows.
template <typename T>
Variable<T> scatter_add_rows(const Variable<T>& x, const std::vector<std::size_t>& indices, std::size_t rows);

/// y = x[..., start:stop, ...] along `axis` (start <= stop <= extent; an empty slice is allowed).
///   x (..., n, ...) -> y (..., stop-start, ...).
/// Backward: pad_axis(gy, axis, start, n - stop). Throws std::invalid_argument naming the range
/// and the shape when the range does not fit.
template <typename T>
Variable<T> slice(const Variable<T>& x, int axis, std::size_t start, std::size_t stop);

/// Zero padding along one axis: `before` zeros, then x, then `after` zeros.
///   x (..., n, ...) -> y (..., before+n+after, ...).
/// Backward: slice(gy, axis, before, before + n).
template <typename T>
Variable<T> pad_axis(const Variable<T>& x, int axis, std::size_t before, std::size_t after);

/// Joins tensors along `axis`: every input has the same rank and the same extents except on
/// `axis`; y's extent there is the sum of theirs (NumPy concatenate).
/// Backward: the matching slice of gy for each input. Throws std::invalid_argument for an empty
/// list or mismatched shapes ("concat: (2,3) and (2,4) differ outside axis 1" style messages).
template <typename T>
Variable<T> concat(const std::vector<Variable<T>>& xs, int axis = 0);

}  // namespace minidl
