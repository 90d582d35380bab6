#pragma once
// The similarity test shared by the count-based and CBOW tests: the mean cosine of the word pairs
// that occur in the most alike contexts against that of random pairs of the same words, on a slice
// of the fortunes corpus.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include "minidl/core/random.hpp"
#include "minidl/text/corpus.hpp"
#include "minidl/text/similarity.hpp"
#include "minidl/text/tokenizer.hpp"
#include "minidl/text/vocabulary.hpp"

namespace text_pairs {

/// The first `lines` lines of the fortunes corpus as ids under a `vocabulary`-word cap.
struct Slice {
  minidl::text::Vocabulary vocab;
  minidl::IndexTensor ids;
};

inline Slice fortunes_slice(std::size_t lines, std::size_t vocabulary) {
  auto corpus = minidl::text::read_corpus(minidl::text::kFortunesFolder, minidl::text::fortunes_options());
  corpus.lines.resize(std::min(lines, corpus.lines.size()));
  const auto tokens = minidl::text::tokenize_words(corpus.lines);
  Slice s;
  s.vocab = minidl::text::Vocabulary::build(tokens, vocabulary);
  s.ids = s.vocab.encode(tokens);
  return s;
}

/// Mean cosine of the `pairs` word pairs whose contexts are most alike and of `pairs` random pairs
/// of the same words.
struct Margin {
  double alike = 0;  ///< mean cosine of the pairs with the most alike contexts
  double random = 0;  ///< mean cosine of random pairs of the same words
};

// Word ids only: <unk>, <eos> and punctuation would make the frequent pairs trivially similar.
inline bool is_word(const minidl::text::Vocabulary& v, std::size_t id) {
  const std::string& w = v.word(static_cast<minidl::Index>(id));
  return w != minidl::text::kUnk && w != minidl::text::kEos && w.size() > 0 &&
         (static_cast<unsigned char>(w[0]) >= 0x80 || std::isalnum(static_cast<unsigned char>(w[0])));
}

/// "Alike" is the distributional hypothesis itself: the cosine of two words' rows of the PPMI
/// matrix (the contexts they occur in), among words seen at least `min_count` times. Word vectors
/// have learned something when such pairs are closer than random pairs of the same words.
inline Margin pair_margin(const minidl::Tensor<float>& w, const minidl::Tensor<float>& ppmi,
                          const minidl::text::Vocabulary& v, std::size_t pairs, std::size_t min_count = 20) {
  const std::size_t n = v.size();
  std::vector<std::size_t> words;
  for (std::size_t i = 0; i < n; ++i) {
    if (is_word(v, i) && v.count(static_cast<minidl::Index>(i)) >= min_count) words.push_back(i);
  }
  std::vector<std::tuple<double, std::size_t, std::size_t>> counted;
  for (std::size_t a = 0; a < words.size(); ++a) {
    for (std::size_t b = a + 1; b < words.size(); ++b) {
      const auto i = static_cast<minidl::Index>(words[a]), j = static_cast<minidl::Index>(words[b]);
      counted.emplace_back(minidl::text::cosine_similarity(ppmi, i, j), words[a], words[b]);
    }
  }
  std::sort(counted.begin(), counted.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  Margin m;
  pairs = std::min(pairs, counted.size());
  for (std::size_t k = 0; k < pairs; ++k) {
    m.alike += minidl::text::cosine_similarity(w, static_cast<minidl::Index>(std::get<1>(counted[k])),
                                                  static_cast<minidl::Index>(std::get<2>(counted[k])));
  }
  // Random pairs made of the same words (the first word of one top pair with the second word of
  // another), so both sets have the same word frequencies: rare words, barely trained, would
  // otherwise make random pairs look alike (or unlike) for reasons unrelated to their contexts.
  minidl::Generator gen(1);
  std::size_t drawn = 0;
  while (drawn < pairs) {
    const auto a = static_cast<std::size_t>(gen.uniform_int(pairs)), b = static_cast<std::size_t>(gen.uniform_int(pairs));
    const std::size_t i = std::get<1>(counted[a]), j = std::get<2>(counted[b]);
    if (a == b || i == j) continue;
    m.random += minidl::text::cosine_similarity(w, static_cast<minidl::Index>(i), static_cast<minidl::Index>(j));
    ++drawn;
  }
  m.alike /= static_cast<double>(pairs);
  m.random /= static_cast<double>(pairs);
  return m;
}

}  // namespace text_pairs
