#pragma once
// Gathering and scattering along an axis with integer indices (core/index.hpp): index_select and
// its adjoint index_add, each the other's backward. Embedding lookups are index_select on axis 0.

#include <cstddef>

#include "minidl/core/index.hpp"
#include "minidl/core/variable.hpp"

namespace minidl {

/// y = x with axis `axis` replaced by the positions in `indices` (NumPy take(x, indices, axis)):
///   x (A..., n, B...) with indices of shape I -> y (A..., I, B...),
///   y[a, i, b] = x[a, indices[i], b]; duplicates allowed.
/// Embedding: index_select(W (V,D), 0, ids (N,T)) is (N,T,D).
/// Backward: index_add(gy, axis, indices, n), so a position picked twice gets both gradients.
/// Throws std::invalid_argument "index_select: index 9 at position (1,2) is out of range [0, 5)
/// for axis 0 of (5,3)".
template <typename T>
Variable<T> index_select(const Variable<T>& x, int axis, const IndexTensor& indices);

/// The adjoint of index_select: y = zeros with axis `axis` of extent `extent`, then
/// y[a, indices[i], b] += x[a, i, b] for every i.
///   x (A..., I, B...) with indices of shape I -> y (A..., extent, B...).
/// Backward: index_select(gy, axis, indices). Throws std::invalid_argument when x's axes at
/// `axis` are not indices' shape or an index is outside [0, extent).
template <typename T>
Variable<T> index_add(const Variable<T>& x, int axis, const IndexTensor& indices, std::size_t extent);

}  // namespace minidl
