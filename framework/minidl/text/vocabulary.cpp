#include "minidl/text/vocabulary.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace minidl {
namespace text {

Vocabulary Vocabulary::build(const std::vector<std::string>& tokens, std::size_t max_size, std::size_t min_count) {
  if (max_size == 1) throw std::invalid_argument("Vocabulary::build: max_size 1 leaves room for <unk> only");
  if (min_count == 0) throw std::invalid_argument("Vocabulary::build: min_count must be >= 1");
  // Count, remembering each word's first position for the tie order.
  std::unordered_map<std::string, std::size_t> slot;
  std::vector<std::string> seen;
  std::vector<std::size_t> counts;
  for (const auto& t : tokens) {
    auto [it, fresh] = slot.emplace(t, seen.size());
    if (fresh) {
      seen.push_back(t);
      counts.push_back(0);
    }
    ++counts[it->second];
  }
  std::vector<std::size_t> order(seen.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });

  const bool capped = max_size != 0 || min_count > 1;
  const std::size_t keep = max_size == 0 ? order.size() : std::min(order.size(), max_size - 1);
  if (keep + (capped ? 1 : 0) > static_cast<std::size_t>(std::numeric_limits<Index>::max())) {
    throw std::invalid_argument("Vocabulary::build: " + std::to_string(keep) + " words do not fit in Index ids");
  }
  Vocabulary v;
  std::size_t unk_count = 0;
  if (capped) {
    v.words_.emplace_back(kUnk);
    v.counts_.push_back(0);
  }
  for (std::size_t r = 0; r < order.size(); ++r) {
    const std::size_t i = order[r];
    if (r >= keep || counts[i] < min_count || (capped && seen[i] == kUnk)) {
      unk_count += counts[i];
      continue;
    }
    v.words_.push_back(seen[i]);
    v.counts_.push_back(counts[i]);
  }
  if (capped) v.counts_[0] = unk_count;
  for (std::size_t i = 0; i < v.words_.size(); ++i) v.ids_.emplace(v.words_[i], static_cast<Index>(i));
  return v;
}

Index Vocabulary::id(const std::string& word) const {
  auto it = ids_.find(word);
  if (it != ids_.end()) return it->second;
  auto unk = ids_.find(kUnk);
  if (unk != ids_.end()) return unk->second;
  throw std::out_of_range("Vocabulary: the word '" + word + "' is not in the vocabulary (which has no <unk>)");
}

const std::string& Vocabulary::word(Index id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= words_.size()) {
    throw std::out_of_range("Vocabulary: id " + std::to_string(id) + " is outside [0, " + std::to_string(words_.size()) +
                            ")");
  }
  return words_[static_cast<std::size_t>(id)];
}

IndexTensor Vocabulary::encode(const std::vector<std::string>& tokens) const {
  IndexTensor ids = IndexTensor::from_shape({tokens.size()});
  for (std::size_t i = 0; i < tokens.size(); ++i) ids(i) = id(tokens[i]);
  return ids;
}

std::vector<std::string> Vocabulary::decode(const IndexTensor& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const Index i : ids) out.push_back(word(i));
  return out;
}

}  // namespace text
}  // namespace minidl
