#pragma once
// The raw BLAS calls. Kept apart because <cblas.h> and xtensor-blas cannot share a translation unit,
// and so that exactly one file knows which BLAS runs.

#include <cstddef>
#include <string>

namespace minidl {
namespace blas {

/// C = alpha * op(A) * op(B) + beta * C on row-major matrices, where op(X) is X or X^T by the
/// transpose flags: op(A) is (M,K), op(B) is (K,N), C is (M,N). lda/ldb/ldc are row strides of the
/// matrices as stored. Transposes are BLAS flags, never materialised copies.
template <typename T>
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

/// OpenBLAS's build description (names the kernel, e.g. "OpenBLAS 0.3.21 ... Cooperlake").
std::string config();

/// Sets the number of OpenBLAS threads (1 is often fastest for MNIST-sized products on 2 cores).
void set_threads(int threads);

/// The number of threads OpenBLAS will use.
int threads();

}  // namespace blas
}  // namespace minidl
