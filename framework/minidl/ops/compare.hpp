#pragma once
// Ops that pick, element by element, one of two values: where(mask, a, b), maximum, minimum.
// All broadcast (NumPy rules) and undo broadcasting in the backward with sum_to.

#include <xtensor/xarray.hpp>

#include "minidl/core/variable.hpp"

namespace minidl {

/// A boolean tensor choosing between two values per element: `Mask m(x.data() > 0.f);`, or a
/// nested list `Mask m = {{true, false}, {false, true}};`. A type of minidl's own, not an xtensor
/// array: passing an xtensor expression straight to where() would let argument-dependent lookup
/// pick xt::where instead.
class Mask {
 public:
  /// An empty (0-d) mask.
  Mask() = default;
  /// Evaluates any xtensor boolean expression (x.data() > 0.f, xt::isnan(t), an xarray<bool>).
  template <class E>
  explicit Mask(const xt::xexpression<E>& e) : values(e) {}
  /// A 1-D mask from a list: {true, false, true}.
  Mask(xt::nested_initializer_list_t<bool, 1> t) : values(t) {}
  /// A 2-D mask from nested lists.
  Mask(xt::nested_initializer_list_t<bool, 2> t) : values(t) {}
  /// A 3-D mask from nested lists.
  Mask(xt::nested_initializer_list_t<bool, 3> t) : values(t) {}

  xt::xarray<bool> values;  ///< The booleans, row-major.
};

/// y = mask ? a : b elementwise; mask, a and b broadcast to one shape. The mask is a constant.
/// Backward: (sum_to(where(mask, gy, 0), a), sum_to(where(mask, 0, gy), b)).
/// Throws std::invalid_argument "where: shapes (2,3) and (4) cannot broadcast".
template <typename T>
Variable<T> where(const Mask& mask, const Variable<T>& a, const Variable<T>& b);

/// y = max(a, b) elementwise, broadcast. Backward: gy to the larger input; on a tie each input
/// gets gy/2 (the mean of the two one-sided derivatives, so the sum stays gy).
template <typename T>
Variable<T> maximum(const Variable<T>& a, const Variable<T>& b);

/// y = min(a, b) elementwise, broadcast. Backward: gy to the smaller input; gy/2 each on a tie.
template <typename T>
Variable<T> minimum(const Variable<T>& a, const Variable<T>& b);

}  // namespace minidl
