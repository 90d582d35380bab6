#pragma once
// A vocabulary: the mapping between token strings and integer ids (Index), ordered by frequency.

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "minidl/core/index.hpp"

namespace minidl {
namespace text {

/// The token that stands for every word outside a capped vocabulary.
constexpr const char* kUnk = "<unk>";

/// Token <-> id. Ids are ordered by descending count, ties by first appearance in the token stream
/// (so the order never depends on hashing and is the same on every machine). With a cap, id 0 is
/// kUnk and counts every token that did not make the cut; without one, kUnk exists only if the text
/// held it.
class Vocabulary {
 public:
  /// An empty vocabulary.
  Vocabulary() = default;

  /// Builds from a token stream. `max_size` (0: no cap) keeps the most frequent max_size - 1 tokens
  /// plus kUnk; `min_count` (>= 1) also sends rarer tokens to kUnk. Throws std::invalid_argument
  /// for max_size 1 (room for kUnk only) or min_count 0.
  static Vocabulary build(const std::vector<std::string>& tokens, std::size_t max_size = 0, std::size_t min_count = 1);

  /// Number of distinct ids.
  std::size_t size() const { return words_.size(); }
  /// True when `word` has an id of its own.
  bool contains(const std::string& word) const { return ids_.count(word) != 0; }
  /// The id of `word`: its own, or kUnk's when the vocabulary has kUnk. Throws std::out_of_range
  /// naming the word when it has neither.
  Index id(const std::string& word) const;
  /// The word of `id`. Throws std::out_of_range for an id outside [0, size()).
  const std::string& word(Index id) const;
  /// How often the word of `id` occurred in the text the vocabulary was built from (kUnk: the
  /// tokens it replaced).
  std::size_t count(Index id) const { return counts_.at(static_cast<std::size_t>(id)); }
  /// The counts of every id, in id order.
  const std::vector<std::size_t>& counts() const { return counts_; }
  /// The words in id order.
  const std::vector<std::string>& words() const { return words_; }
  /// The ids of `tokens` as a 1-d IndexTensor (unknown words -> kUnk, see id()).
  IndexTensor encode(const std::vector<std::string>& tokens) const;
  /// The words of `ids` (any shape, row-major order).
  std::vector<std::string> decode(const IndexTensor& ids) const;

 private:
  std::vector<std::string> words_;
  std::vector<std::size_t> counts_;
  std::unordered_map<std::string, Index> ids_;
};

}  // namespace text
}  // namespace minidl
