#pragma once
// A word-level language-model corpus (the sequel's chapters 5-6, which use the Penn Treebank the
// same way): the lines split into train / validation / test, tokenized with one <eos> per line,
// a capped vocabulary built from the training part, and each part as one stream of ids.

#include <cstddef>
#include <cstdint>

#include "minidl/core/index.hpp"
#include "minidl/text/corpus.hpp"
#include "minidl/text/split.hpp"
#include "minidl/text/summary.hpp"
#include "minidl/text/vocabulary.hpp"

namespace minidl {
namespace text {

/// How make_lm_corpus splits and caps.
struct LmCorpusOptions {
  std::size_t vocabulary = 10000;     ///< ids, <unk> included (the Penn Treebank's 10,000)
  double validation_fraction = 0.1;   ///< of the lines
  double test_fraction = 0.1;         ///< of the lines
  SplitMode split = SplitMode::Blocks;  ///< contiguous blocks keep multi-line texts whole
  std::uint64_t seed = 0;             ///< for SplitMode::ShuffledLines
  std::size_t max_lines = 0;          ///< use only the first lines of the corpus (0: all)
};

/// The three id streams and the vocabulary they share.
struct LmCorpus {
  Vocabulary vocabulary;   ///< built from the training tokens only, so no test word leaks in
  IndexTensor train;       ///< 1-d ids of the training lines, <eos> after each
  IndexTensor validation;  ///< 1-d ids; words outside the vocabulary are <unk>
  IndexTensor test;        ///< 1-d ids
  CorpusSummary summary;   ///< the whole corpus against that vocabulary
};

/// Splits, tokenizes (tokenize_words with <eos>) and encodes `corpus`. The same corpus and options
/// always give the same ids. Throws std::invalid_argument for a vocabulary below 2, fractions
/// split_lines refuses, or a part left without a single line.
LmCorpus make_lm_corpus(const Corpus& corpus, const LmCorpusOptions& options = {});

}  // namespace text
}  // namespace minidl
