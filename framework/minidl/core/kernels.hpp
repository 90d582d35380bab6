#pragma once
// Raw tensor kernels for writing fast custom ops: the vectorised elementwise functions the built-in
// ops use (xsimd under -march=native, one pass, no temporaries), their fused backward forms, and a
// matrix product that takes shapes instead of strides. They compute on Tensors and record nothing:
// call them inside an op's forward, or inside a recorded backward op (docs/custom_layer.md).
//
// Every kernel writes into an output the caller provides, so a custom op can reuse its buffers.
// The output is resized to the input's shape first if it differs (no allocation when it already
// fits), and may be the input itself: elementwise kernels read and write each index once.

#include <cstddef>

#include "minidl/core/tensor.hpp"

namespace minidl::kernels {

/// y = eˣ elementwise.
template <typename T>
void exp(const Tensor<T>& x, Tensor<T>& y);

/// y = ln x elementwise (−inf at 0, NaN below, as std::log).
template <typename T>
void log(const Tensor<T>& x, Tensor<T>& y);

/// y = tanh x elementwise.
template <typename T>
void tanh(const Tensor<T>& x, Tensor<T>& y);

/// y = σ(x) = 1 / (1 + e⁻ˣ) elementwise, evaluated through e^(−|x|) so it neither overflows nor
/// loses relative accuracy in either tail (σ(−100) is 3.7e-44, not 0).
template <typename T>
void sigmoid(const Tensor<T>& x, Tensor<T>& y);

/// The same functions on n contiguous values, e.g. one row's block of a larger tensor (a fused
/// op's gate columns). y may equal x (in place); otherwise the ranges must not overlap.
template <typename T>
void exp(const T* x, T* y, std::size_t n);
/// ln on n contiguous values.
template <typename T>
void log(const T* x, T* y, std::size_t n);
/// tanh on n contiguous values.
template <typename T>
void tanh(const T* x, T* y, std::size_t n);
/// σ on n contiguous values (the stable form above).
template <typename T>
void sigmoid(const T* x, T* y, std::size_t n);

/// gx = gy · y · (1 − y): the gradient of σ given its output y (not its input).
/// Throws std::invalid_argument unless gy and y have one shape.
template <typename T>
void sigmoid_backward(const Tensor<T>& gy, const Tensor<T>& y, Tensor<T>& gx);

/// gx = gy · (1 − y²): the gradient of tanh given its output y.
/// Throws std::invalid_argument unless gy and y have one shape.
template <typename T>
void tanh_backward(const Tensor<T>& gy, const Tensor<T>& y, Tensor<T>& gx);

/// C = alpha · op(A) · op(B) + beta · C for 2-D tensors, op(X) = Xᵀ when the flag is set (a BLAS
/// flag, never a copy). op(A) is (M,K), op(B) is (K,N). With beta = 0, C is resized to (M,N);
/// otherwise it must already be (M,N) (beta = 1 accumulates, e.g. into a gradient). Runs OpenBLAS.
/// Throws std::invalid_argument naming the shapes: "kernels::gemm: op(A) (3,4) x op(B) (5,2)".
template <typename T>
void gemm(const Tensor<T>& a, const Tensor<T>& b, Tensor<T>& c, bool transpose_a = false, bool transpose_b = false,
          T alpha = T(1), T beta = T(0));

}  // namespace minidl::kernels
