#pragma once
// Embedding: a table of D-dimensional vectors looked up by integer token ids.

#include <string>

#include "minidl/core/index.hpp"
#include "minidl/core/random.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// y = W[ids]: ids of any shape (N,T) -> (N,T,D), W (V,D) the parameter "W". Token ids are an
/// IndexTensor and never travel as floats. Backward: the picked rows' gradients are added into
/// W's gradient rows (index_add), repeated ids summing.
template <typename T>
class Embedding : public Module<T> {
 public:
  /// A (vocabulary, dim) table drawn from N(0, stddev²) by `gen` (the book's word2vec uses
  /// 0.01·randn). Throws std::invalid_argument for a zero vocabulary or dimension.
  Embedding(std::size_t vocabulary, std::size_t dim, Generator& gen, double stddev = 0.01);
  /// The vectors of `ids`: shape ids.shape + (D). Throws std::invalid_argument naming the id and
  /// its position when an id is outside [0, vocabulary).
  Variable<T> forward(const IndexTensor& ids);
  /// Same as forward(ids).
  Variable<T> operator()(const IndexTensor& ids) { return forward(ids); }
  /// Always throws std::logic_error: token ids are an IndexTensor, never a float Variable.
  Variable<T> forward(const Variable<T>& x) override;
  /// "Embedding(500, 128)".
  std::string describe() const override;

  Variable<T> W;  ///< The table (vocabulary, dim).
};

}  // namespace minidl
