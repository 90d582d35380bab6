#pragma once
// Queries on word vectors: cosine similarity, nearest words and analogies (the sequel's
// most_similar and analogy).

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "minidl/core/index.hpp"
#include "minidl/core/tensor.hpp"
#include "minidl/text/vocabulary.hpp"

namespace minidl {
namespace text {

/// A word and its cosine similarity to a query.
using ScoredWord = std::pair<std::string, double>;

/// cos(W[a], W[b]) for rows a and b of the (V,D) word vectors W; 0 when either row is all zeros.
/// Throws std::invalid_argument for an id outside [0, V).
double cosine_similarity(const Tensor<float>& vectors, Index a, Index b);

/// The k words whose vectors are most cosine-similar to `word`'s, best first, the word itself
/// excluded. Throws std::invalid_argument naming the word when it is not in the vocabulary (a
/// query about <unk> would answer about every rare word at once), or when W does not have one row
/// per vocabulary entry.
std::vector<ScoredWord> most_similar(const std::string& word, const Vocabulary& vocabulary,
                                     const Tensor<float>& vectors, std::size_t k = 5);

/// The analogy a : b = c : ?, answered by the k words nearest (cosine) to the normalised
/// b - a + c, with a, b and c themselves excluded ("man : king = woman : queen"). Each of the three
/// vectors is normalised first, as in the book. Throws like most_similar.
std::vector<ScoredWord> analogy(const std::string& a, const std::string& b, const std::string& c,
                                const Vocabulary& vocabulary, const Tensor<float>& vectors, std::size_t k = 5);

}  // namespace text
}  // namespace minidl
