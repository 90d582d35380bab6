#pragma once
// Matrix products through OpenBLAS. Transposes are BLAS flags; no transposed copy is ever made.

#include "minidl/core/variable.hpp"

namespace minidl {

/// y = op(a) · op(b), where op(x) is x or xᵀ by the flags.
///  2-D: op(a) (M,K) · op(b) (K,N) -> (M,N).
///  Batched 3-D: a (B,·,·), b (B,·,·) -> (B,M,N), the flags applying to each matrix.
/// Backward (no flags): ga = gy · bᵀ, gb = aᵀ · gy, themselves matmuls with flags, so the op is
/// differentiable to any order. Throws std::invalid_argument "matmul: (100,784) x (50,10)" on a
/// shape mismatch.
template <typename T>
Variable<T> matmul(const Variable<T>& a, const Variable<T>& b, bool transpose_a = false, bool transpose_b = false);

/// The book's Affine layer fused: y = x · W + b with W (D,H), b (H) and x read in place as a
/// matrix of D-wide rows, no copy:
///  x (N,D) -> (N,H);
///  x (...,D) -> (...,H), when the last axis is D wide (the book's TimeAffine);
///  x (N,...) with D values per sample -> (N,H) (the book's Affine after a convolution).
/// Forward is one GEMM accumulating onto b broadcast into y. Backward: gx = gy · Wᵀ in x's own
/// shape, gW = xᵀ · gy, gb = Σ_rows gy (the products are detail::matmul_as). Throws
/// std::invalid_argument naming x and W when x fits neither reading.
template <typename T>
Variable<T> linear(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b);

/// y = base + a · W with base (N,G), a (N,K), W (K,G) -> y (N,G) (BLAS's and PyTorch's addmm): a
/// recurrent step's gate pre-activations when x·Wx + b was computed for the whole sequence at once.
/// One GEMM with beta = 1 onto a copy of base. Backward: gbase = gy, ga = gy · Wᵀ, gW = aᵀ · gy.
/// Throws std::invalid_argument naming the three shapes on a mismatch.
template <typename T>
Variable<T> addmm(const Variable<T>& base, const Variable<T>& a, const Variable<T>& W);

}  // namespace minidl
