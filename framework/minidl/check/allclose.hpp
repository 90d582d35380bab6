#pragma once
// Comparing tensors: what a test of a custom op or a port from NumPy/PyTorch needs, with NumPy's
// allclose rule and a plain largest-difference figure to print.
//
// Call the Tensor overload of allclose qualified, minidl::allclose(a, b): unqualified, argument-
// dependent lookup also finds xtensor's own xt::allclose (which broadcasts instead of rejecting
// different shapes) and may pick it. On Variables the plain name is unambiguous.

#include "minidl/core/tensor.hpp"
#include "minidl/core/variable.hpp"

namespace minidl {

/// max_k |a_k − b_k| over two tensors of one shape (0 for empty tensors); NaN when a NaN appears
/// in either (a difference that cannot be measured is never reported as small); +inf for an
/// infinity on one side only. Throws std::invalid_argument naming both shapes when they differ.
template <typename T>
double max_abs_diff(const Tensor<T>& a, const Tensor<T>& b);

/// max_abs_diff of two Variables' values.
template <typename T>
double max_abs_diff(const Variable<T>& a, const Variable<T>& b);

/// NumPy's allclose without broadcasting: every |a_k − b_k| <= atol + rtol·|b_k| (b is the
/// reference). A NaN never matches, unless equal_nan and both are NaN; equal infinities match.
/// Throws std::invalid_argument naming both shapes when they differ.
template <typename T>
bool allclose(const Tensor<T>& a, const Tensor<T>& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);

/// allclose of two Variables' values.
template <typename T>
bool allclose(const Variable<T>& a, const Variable<T>& b, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false);

}  // namespace minidl
