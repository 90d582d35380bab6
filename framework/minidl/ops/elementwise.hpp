#pragma once
// Elementwise math and activations: y has x's shape and y_i depends on x_i only.
//
// Every backward is written with Variable ops, so it is itself differentiable (create_graph).
// Ops whose derivative is piecewise constant (relu, abs, clip) multiply by a constant 0/1 (or ±1)
// mask: their second derivative is 0 almost everywhere, which is what the constant mask gives.

#include "minidl/core/variable.hpp"

namespace minidl {

/// y = exp(x), any shape. Backward: gy * y.
template <typename T>
Variable<T> exp(const Variable<T>& x);

/// y = ln(x), any shape; x <= 0 gives NaN/-inf as in IEEE arithmetic. Backward: gy / x.
template <typename T>
Variable<T> log(const Variable<T>& x);

/// y = √x, any shape; x < 0 gives NaN. Backward: gy / (2y).
template <typename T>
Variable<T> sqrt(const Variable<T>& x);

/// y = tanh(x), any shape. Backward: gy * (1 - y²).
template <typename T>
Variable<T> tanh(const Variable<T>& x);

/// y = σ(x) = 1 / (1 + e^(-x)), any shape. Computed as e = e^(-|x|), y = (x >= 0 ? 1 : e) / (1 + e),
/// so no exponential ever overflows: σ(±100) is exactly 1 / a tiny positive number, never NaN.
/// Backward: gy * y * (1 - y).
template <typename T>
Variable<T> sigmoid(const Variable<T>& x);

/// y = max(x, 0), any shape; a NaN stays NaN (so bad data is not silently zeroed). Backward:
/// gy * [x > 0] with a constant 0/1 mask (the derivative at exactly 0 is taken as 0, as in the book;
/// at a NaN it is 0 too). The mask is built only when backward runs, from the
/// output (y > 0 exactly where x > 0), so the forward pass allocates nothing beyond y.
template <typename T>
Variable<T> relu(const Variable<T>& x);

/// The book's step function: y = [x > 0], i.e. 1 where x > 0 and 0 elsewhere, any shape.
/// It has no useful gradient (0 almost everywhere), so the result is always a NON-RECORDING leaf
/// with requires_grad() == false: nothing flows back through it, and calling backward() from a
/// result that depends only on step() throws as for any constant.
template <typename T>
Variable<T> step(const Variable<T>& x);

/// y = |x|, any shape. Backward: gy * sign(x) with a constant mask (sign(0) = 0).
template <typename T>
Variable<T> abs(const Variable<T>& x);

/// y = min(max(x, lo), hi), any shape. Backward: gy * [lo < x < hi] with a constant mask: the
/// gradient is 1 strictly inside the interval and 0 at or outside the bounds.
/// Throws std::invalid_argument if lo > hi.
template <typename T>
Variable<T> clip(const Variable<T>& x, double lo, double hi);

/// y = x², any shape. Backward: gy * 2x.
template <typename T>
Variable<T> square(const Variable<T>& x);

}  // namespace minidl
