#pragma once
// A one-line report of a corpus's size, for programs to print before training.

#include <cstddef>
#include <string>
#include <vector>

#include "minidl/text/corpus.hpp"
#include "minidl/text/vocabulary.hpp"

namespace minidl {
namespace text {

/// The size of a tokenized corpus.
struct CorpusSummary {
  std::size_t files = 0;       ///< files read
  std::size_t bytes = 0;       ///< bytes read
  std::size_t lines = 0;       ///< lines kept
  std::size_t tokens = 0;      ///< tokens (with one <eos> per line for word tokens)
  std::size_t distinct = 0;    ///< distinct tokens before any cap
  std::size_t vocabulary = 0;  ///< ids in the vocabulary (after its cap)
  double unk_rate = 0;         ///< fraction of tokens that map to <unk>

  /// "12 files, 2.5 MB, 60012 lines, 520331 tokens, 28000 distinct, vocabulary 10000 (<unk> 4.1%)".
  std::string str() const;
};

/// Summarises `corpus`, its token stream and the vocabulary built from it.
CorpusSummary summarize(const Corpus& corpus, const std::vector<std::string>& tokens, const Vocabulary& vocabulary);

}  // namespace text
}  // namespace minidl
