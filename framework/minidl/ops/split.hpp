#pragma once
// Taking a tensor apart along an axis and putting pieces together: split/chunk (k outputs, one op),
// unbind and stack (each the other's backward), select (one index of an axis).
//
// split and unbind are multi-output ops (core/record.hpp, record_multi): their one backward writes
// every piece's gradient straight into one buffer of the input's shape, with zeros for a piece that
// got no gradient, instead of padding each piece to full size and adding the k results.
//
// Axes are `int` and may be negative (-1 is the last axis), as in NumPy.

#include <cstddef>
#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// Cuts x along `axis` into consecutive pieces of the given extents (torch.split with a list):
///   x (..., n, ...) -> k pieces (..., sizes[j], ...), sum(sizes) == n; a size may be 0.
/// One op with k outputs. Backward: split_backward, which writes the k upstream gradients into one
/// tensor of x's shape (zeros where a piece was unused); its own backward is split again.
/// Throws std::invalid_argument "split: sizes (2,2) sum to 4 but axis 1 of (3,5) has extent 5".
template <typename T>
std::vector<Variable<T>> split(const Variable<T>& x, const std::vector<std::size_t>& sizes, int axis = 0);

/// Cuts x along `axis` into `chunks` pieces of extent ceil(n / chunks), the last one smaller when
/// chunks does not divide n (torch.chunk; fewer pieces when n is small: n=5, chunks=4 gives
/// extents 2,2,1). chunk(gates, 4, 1) gives an LSTM's four gates from one (N,4H) product.
/// Throws std::invalid_argument for chunks == 0.
template <typename T>
std::vector<Variable<T>> chunk(const Variable<T>& x, std::size_t chunks, int axis = 0);

/// The backward of split as an op of its own: y of shape `shape` whose `axis` is the pieces
/// `gys` laid end to end; an undefined piece reads as zeros of extent sizes[j]. Every defined
/// piece must have its extent on `axis` and `shape`'s extents elsewhere.
/// Backward: split(gy, sizes, axis) (a gradient for each defined piece).
template <typename T>
Variable<T> split_backward(const std::vector<Variable<T>>& gys, const std::vector<std::size_t>& sizes, int axis,
                           const Shape& shape);

/// The n slices of x along `axis`, each without that axis: (N,T,D) unbound on axis 1 gives T
/// tensors (N,D), one op with T outputs. Backward: stack of the upstream gradients (zeros for an
/// unused step). Throws std::invalid_argument for a 0-d x or an axis out of range.
template <typename T>
std::vector<Variable<T>> unbind(const Variable<T>& x, int axis = 0);

/// Joins k tensors of one shape S along a new axis at position `axis` (0..rank(S); negative counts
/// from rank(S)+1): k tensors (N,D) stacked on axis 1 give (N,k,D). Backward: unbind(gy, axis).
/// Throws std::invalid_argument for an empty list or differing shapes, naming both shapes.
template <typename T>
Variable<T> stack(const std::vector<Variable<T>>& xs, int axis = 0);

/// y = x[..., index, ...]: index `index` of `axis`, with that axis removed; (N,T,D) with axis 1
/// and index t gives time step t, (N,D). One copy. Backward: select_backward.
/// Throws std::invalid_argument "select: index 7 is out of range for axis 1 of (2,5,3)".
template <typename T>
Variable<T> select(const Variable<T>& x, int axis, std::size_t index);

/// The backward of select as an op of its own: zeros of shape `shape` with gy placed at index
/// `index` of `axis` (gy's shape is `shape` without that axis). Backward: select(gy, axis, index).
template <typename T>
Variable<T> select_backward(const Variable<T>& gy, int axis, std::size_t index, const Shape& shape);

}  // namespace minidl
