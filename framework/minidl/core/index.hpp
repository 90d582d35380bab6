#pragma once
// Integer tensors: token ids, class labels and other positions. They index, they are never
// differentiated, and they never travel as floats (a float holds integers exactly only up to 2^24,
// and a cast back per use costs a pass over the data).

#include <cstdint>

#include <xtensor/xarray.hpp>

namespace minidl {

/// One position (a token id, a class label). 32 bits: vocabularies and extents fit, and it is
/// half the memory traffic of 64-bit ids.
using Index = std::int32_t;

/// An n-d array of positions, row-major, e.g. (N,T) token ids for a batch of sequences.
/// Build one with `IndexTensor ids = {{1, 4}, {2, 0}};` or `IndexTensor::from_shape({N, T})`.
using IndexTensor = xt::xarray<Index>;

}  // namespace minidl
