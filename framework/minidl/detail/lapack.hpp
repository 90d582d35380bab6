#pragma once
// The LAPACK routines minidl uses, from the OpenBLAS that detail/blas.cpp loads (OpenBLAS exports
// LAPACK's Fortran symbols), so no second library is linked.

#include <cstddef>
#include <vector>

namespace minidl {
namespace lapack {

/// Some eigenpairs of a real symmetric matrix.
struct SymmetricEigen {
  std::size_t n = 0;           ///< the matrix's order
  std::vector<double> values;  ///< the eigenvalues asked for, ascending
  /// Their unit eigenvectors, one after the other: vector j is vectors[j*n, (j+1)*n).
  std::vector<double> vectors;
};

/// The eigenpairs with ascending ranks first..last (0-based, inclusive; rank 0 is the smallest
/// eigenvalue) of the symmetric (n,n) matrix `a` (row- or column-major alike, since it is
/// symmetric; only one triangle is read), by LAPACK's dsyevr (Householder tridiagonalisation, then
/// the MRRR algorithm for just the wanted pairs: O(n^3) for the reduction, O(n^2) per pair).
/// Throws std::invalid_argument for a size mismatch or a bad rank range, std::runtime_error when
/// OpenBLAS lacks dsyevr_ or LAPACK reports a failure (with its info code).
SymmetricEigen symmetric_eigen(std::vector<double> a, std::size_t n, std::size_t first, std::size_t last);

}  // namespace lapack
}  // namespace minidl
