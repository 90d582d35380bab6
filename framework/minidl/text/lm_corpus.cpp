#include "minidl/text/lm_corpus.hpp"

#include <stdexcept>
#include <string>

#include "minidl/text/tokenizer.hpp"

namespace minidl {
namespace text {

LmCorpus make_lm_corpus(const Corpus& corpus, const LmCorpusOptions& options) {
  if (options.vocabulary < 2) {
    throw std::invalid_argument("make_lm_corpus: vocabulary " + std::to_string(options.vocabulary) +
                                " leaves no word beside <unk>");
  }
  Corpus used = corpus;
  if (options.max_lines > 0 && options.max_lines < used.lines.size()) used.lines.resize(options.max_lines);
  const TextSplit parts = split_lines(used.lines, options.validation_fraction, options.test_fraction, options.split,
                                      options.seed);
  const char* empty = parts.validation.empty() ? "validation" : parts.test.empty() ? "test" : nullptr;
  if (empty != nullptr) {
    throw std::invalid_argument("make_lm_corpus: " + std::to_string(used.lines.size()) + " lines leave the " +
                                empty + " part empty");
  }
  const auto train_tokens = tokenize_words(parts.train);
  LmCorpus out;
  out.vocabulary = Vocabulary::build(train_tokens, options.vocabulary);
  out.train = out.vocabulary.encode(train_tokens);
  out.validation = out.vocabulary.encode(tokenize_words(parts.validation));
  out.test = out.vocabulary.encode(tokenize_words(parts.test));
  out.summary = summarize(used, tokenize_words(used.lines), out.vocabulary);
  return out;
}

}  // namespace text
}  // namespace minidl
