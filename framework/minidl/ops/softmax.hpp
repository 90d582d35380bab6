#pragma once
// softmax and log_softmax along one axis, computed with the maximum subtracted first so logits of
// 1000 (or -1000) give exact, finite probabilities instead of inf/inf = NaN.

#include "minidl/core/variable.hpp"

namespace minidl {

/// y_i = exp(x_i - m) / Σ_j exp(x_j - m) along `axis` (default: the last), m = max_j x_j.
/// Any shape with at least one axis; y has x's shape and each slice along `axis` sums to 1.
///   (N,D), axis -1: one distribution per row.
/// Backward: softmax_vjp(y, gy, axis).
/// Throws std::invalid_argument "softmax: axis 2 is out of range for shape (2,3)".
template <typename T>
Variable<T> softmax(const Variable<T>& x, int axis = -1);

/// y_i = x_i - m - log Σ_j exp(x_j - m) along `axis` (default: the last), m = max_j x_j: the log
/// of softmax without ever forming a probability that could underflow to 0.
/// Backward: gx = gy - exp(y) * Σ_axis(gy), from Variable ops (exp(y) is softmax(x)).
template <typename T>
Variable<T> log_softmax(const Variable<T>& x, int axis = -1);

/// The vector-Jacobian product of softmax: given y = softmax(x, axis) and an upstream gradient gy,
/// gx = y * (gy - Σ_axis(y * gy)), the sum kept as an extent-1 axis. Written with Variable ops, so it
/// is differentiable in y and gy. softmax's backward is this function; the fused loss uses it for
/// its second derivative, so the formula exists once.
template <typename T>
Variable<T> softmax_vjp(const Variable<T>& y, const Variable<T>& gy, int axis = -1);

/// The forward kernels on plain tensors (no graph): used by the ops above and by the fused
/// softmax_cross_entropy loss. Same formulas, shapes and errors ("op" names the caller).
template <typename T>
Tensor<T> softmax_tensor(const Tensor<T>& x, int axis, const char* op = "softmax");
/// log_softmax on a tensor; when `probabilities` is given it also receives softmax(x), computed
/// from the same exponentials (no second exp pass).
template <typename T>
Tensor<T> log_softmax_tensor(const Tensor<T>& x, int axis, const char* op = "log_softmax",
                             Tensor<T>* probabilities = nullptr);

}  // namespace minidl
