#pragma once
// A matrix product over tensors of any shape, each read as a matrix in its own row-major memory:
// linear's gradients for inputs it reads that way ((N,C,H,W) as (N, C*H*W), (N,T,D) as (N*T, D)),
// with no reshape copy either way. Internal to the ops; users call matmul or linear.

#include <cstddef>

#include "minidl/core/variable.hpp"

namespace minidl::detail {

/// How a tensor is read as a matrix: `rows` x `cols` over its row-major memory (rows * cols must
/// be its size).
struct MatrixView {
  std::size_t rows = 0;  ///< Rows of the matrix.
  std::size_t cols = 0;  ///< Columns of the matrix (the stored row length).
};

/// y = op(A) · op(B) with A `a` read as `av`, B `b` read as `bv`, op() the transpose by the flags;
/// y (M,N) is given the shape `shape` (its size must be M·N). No operand is copied.
/// Backward: the matmul backward on the same reads, each gradient in its input's own shape; every
/// gradient is again a matmul_as, so the op is differentiable to any order.
/// Throws std::invalid_argument "matmul_as: (2,3,4) read as (2,12) x (12,5) ..." when a read does
/// not cover its tensor, the inner dimensions differ or `shape` has the wrong size.
template <typename T>
Variable<T> matmul_as(const Variable<T>& a, MatrixView av, const Variable<T>& b, MatrixView bv, bool transpose_a,
                      bool transpose_b, const TensorShape& shape);

}  // namespace minidl::detail
