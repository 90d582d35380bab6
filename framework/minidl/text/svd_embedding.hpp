#pragma once
// Count-based word vectors, second half: dense vectors from a truncated SVD of a (PPMI) matrix, as
// in the sequel's chapter 2 (which uses U[:, :dim] of the SVD).

#include <cstddef>

#include "minidl/core/tensor.hpp"

namespace minidl {
namespace text {

/// The first `dim` left singular vectors of the symmetric (V,V) matrix `m` (rows are word vectors:
/// (V,dim)), ordered by descending singular value. For a symmetric matrix the SVD is the
/// eigendecomposition with singular values |lambda|, so this takes the `dim` largest and `dim`
/// smallest eigenpairs from LAPACK (lapack::symmetric_eigen, two O(V^3) tridiagonalisations of V^2
/// doubles, about a second for V = 2000) and keeps the `dim` of largest |lambda|. A full SVD would
/// compute all V singular vectors to keep a hundred. Each column's sign is fixed (its largest-
/// magnitude entry positive) so the result does not depend on LAPACK's sign choice. Throws
/// std::invalid_argument when m is not square or symmetric or dim is not in [1, V].
Tensor<float> svd_embeddings(const Tensor<float>& m, std::size_t dim);

}  // namespace text
}  // namespace minidl
