#pragma once
// Count-based word vectors, first half: the co-occurrence matrix of a token-id stream and its
// positive pointwise mutual information (PPMI), as in the sequel's chapter 2.

#include <cstddef>

#include "minidl/core/index.hpp"
#include "minidl/core/tensor.hpp"

namespace minidl {
namespace text {

/// C (V,V) with C[w][c] = how often id c occurs within `window` positions left or right of an
/// occurrence of id w in the 1-d stream `ids` (V = vocabulary). Symmetric. Counts are floats: they
/// are exact up to 2^24 per cell, far above any cell of a corpus that fits a dense (V,V) matrix.
/// Throws std::invalid_argument when `ids` is not 1-d, when window is 0 or an id is outside [0, V).
Tensor<float> cooccurrence_matrix(const IndexTensor& ids, std::size_t vocabulary, std::size_t window = 1);

/// PPMI(w,c) = max(0, log2(C[w][c] * N / (S[w] * S[c]) )) with N the sum of C and S its column
/// sums; `eps` keeps a zero count at log2(eps*...) < 0 instead of -inf (clipped to 0 anyway).
/// Throws std::invalid_argument when C is not square.
Tensor<float> ppmi(const Tensor<float>& cooccurrence, double eps = 1e-8);

}  // namespace text
}  // namespace minidl
