#pragma once
// Reductions: sum and mean over all elements or over a list of axes, max and min along one axis.
//
// Axes are `int` and may be negative (-1 is the last axis), as in NumPy. With keepdims the reduced
// axes stay as extent 1, so the result broadcasts against x: x (N,D), axes {1}, keepdims -> (N,1).
// A bad axis throws std::invalid_argument "sum: axis 3 out of range for shape (2,3)".

#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// y = Σ_i x_i over every element. x any shape -> y a 0-d scalar, shape ().
/// Backward: broadcast_to(gy, x.shape).
template <typename T>
Variable<T> sum(const Variable<T>& x);

/// y = Σ of x over `axes`. x (d0,...,dn) -> y with the listed axes removed, or kept as extent 1
/// with keepdims: (2,3,4), axes {0,-1} -> (3), or (1,3,1) with keepdims. Every axis must be in
/// [-ndim, ndim) and listed once; an empty list reduces nothing (NumPy axis=()).
/// Backward: broadcast_to(reshape(gy, keepdims shape), x.shape).
template <typename T>
Variable<T> sum(const Variable<T>& x, const std::vector<int>& axes, bool keepdims = false);

/// y = (1/n) Σ_i x_i over all n elements. x any shape -> y shape (). Backward: broadcast_to(gy, x.shape) / n.
template <typename T>
Variable<T> mean(const Variable<T>& x);

/// y = sum(x, axes, keepdims) / n, where n is the number of elements reduced into each output
/// (the product of the reduced extents). Shapes as for sum. Backward: the sum backward divided by n.
template <typename T>
Variable<T> mean(const Variable<T>& x, const std::vector<int>& axes, bool keepdims = false);

/// y = max of x along `axis`. x (d0,...,dn) -> y with that axis removed (kept as 1 with keepdims).
/// Backward: gy broadcast back to x.shape times a constant one-hot mask of the argmax positions.
/// Ties are routed DETERMINISTICALLY: the whole gradient goes to the FIRST maximal element along
/// the axis (lowest index), none to the others. A NaN counts as the maximum (the first NaN wins),
/// so NaNs propagate. Throws std::invalid_argument for a bad axis or an axis of extent 0.
template <typename T>
Variable<T> max(const Variable<T>& x, int axis, bool keepdims = false);

/// y = min of x along `axis`; everything as for max, with the gradient going to the first minimal
/// element along the axis.
template <typename T>
Variable<T> min(const Variable<T>& x, int axis, bool keepdims = false);

}  // namespace minidl
