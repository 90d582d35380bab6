#include "minidl/text/seq2seq_data.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "minidl/core/random.hpp"
#include "minidl/text/tokenizer.hpp"

namespace minidl {
namespace text {
namespace {

std::vector<std::string> chars_of(const std::string& s) { return tokenize_chars({s}, false); }

void check_pairs(const SequencePairs& pairs, const char* op) {
  if (pairs.questions.empty()) throw std::invalid_argument(std::string(op) + ": no question/answer pairs");
  if (pairs.questions.size() != pairs.answers.size()) {
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(pairs.questions.size()) + " questions but " +
                                std::to_string(pairs.answers.size()) + " answers");
  }
}

// Row i of `strings` into row i of `out` (width checked), reversed when asked.
void fill_rows(const std::vector<std::string>& strings, const Vocabulary& vocab, bool reverse, const char* what,
               IndexTensor& out) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    std::vector<Index> ids = encode_chars(strings[i], vocab);
    if (i == 0) {
      width = ids.size();
      if (width == 0) throw std::invalid_argument(std::string("encode_pairs: ") + what + " 0 is empty");
      out = IndexTensor::from_shape({strings.size(), width});
    } else if (ids.size() != width) {
      throw std::invalid_argument(std::string("encode_pairs: ") + what + " " + std::to_string(i) + " has " +
                                  std::to_string(ids.size()) + " characters, " + what + " 0 has " +
                                  std::to_string(width) + " (pad every one to one width)");
    }
    if (reverse) std::reverse(ids.begin(), ids.end());
    std::copy(ids.begin(), ids.end(), out.data() + i * width);
  }
}

IndexTensor rows_of(const IndexTensor& m, const std::vector<std::size_t>& rows, std::size_t first_col,
                    std::size_t cols) {
  IndexTensor out = IndexTensor::from_shape({rows.size(), cols});
  const std::size_t width = m.shape(1);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r] >= m.shape(0)) {
      throw std::out_of_range("seq2seq examples: row " + std::to_string(rows[r]) + " is outside [0, " +
                              std::to_string(m.shape(0)) + ")");
    }
    const Index* src = m.data() + rows[r] * width + first_col;
    std::copy(src, src + cols, out.data() + r * cols);
  }
  return out;
}

}  // namespace

std::vector<Index> encode_chars(const std::string& text, const Vocabulary& vocab) {
  std::vector<Index> ids;
  for (const std::string& c : chars_of(text)) {
    if (!vocab.contains(c)) throw std::out_of_range("encode_chars: the character '" + c + "' is not in the vocabulary");
    ids.push_back(vocab.id(c));
  }
  return ids;
}

std::string decode_chars(const std::vector<Index>& ids, const Vocabulary& vocab) {
  std::string out;
  for (Index id : ids) out += vocab.word(id);
  return out;
}

Vocabulary char_vocabulary(const SequencePairs& pairs) {
  check_pairs(pairs, "char_vocabulary");
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < pairs.questions.size(); ++i) {
    for (const std::string* s : {&pairs.questions[i], &pairs.answers[i]}) {
      std::vector<std::string> c = chars_of(*s);
      tokens.insert(tokens.end(), c.begin(), c.end());
    }
  }
  return Vocabulary::build(tokens);
}

Seq2seqExamples encode_pairs(const SequencePairs& pairs, const Vocabulary& vocab, bool reverse_source) {
  check_pairs(pairs, "encode_pairs");
  for (std::size_t i = 0; i < pairs.answers.size(); ++i) {
    if (pairs.answers[i].rfind(kStartChar, 0) != 0) {
      throw std::invalid_argument("encode_pairs: answer " + std::to_string(i) + " '" + pairs.answers[i] +
                                  "' does not start with the start character '" + kStartChar + "'");
    }
  }
  Seq2seqExamples out;
  fill_rows(pairs.questions, vocab, reverse_source, "question", out.source);
  fill_rows(pairs.answers, vocab, false, "answer", out.target);
  return out;
}

Seq2seqExamples take_rows(const Seq2seqExamples& examples, const std::vector<std::size_t>& rows) {
  Seq2seqExamples out;
  out.source = rows_of(examples.source, rows, 0, examples.source.shape(1));
  out.target = rows_of(examples.target, rows, 0, examples.target.shape(1));
  return out;
}

Seq2seqSplit split_examples(const Seq2seqExamples& examples, std::size_t validation, std::size_t test,
                            std::uint64_t seed) {
  const std::size_t m = examples.size();
  if (validation + test >= m) {
    throw std::invalid_argument("split_examples: " + std::to_string(validation) + " validation + " +
                                std::to_string(test) + " test examples leave none of " + std::to_string(m) +
                                " to train on");
  }
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t(0));
  Generator gen(seed);
  for (std::size_t i = m; i > 1; --i) std::swap(order[i - 1], order[gen.uniform_int(i)]);
  const auto part = [&](std::size_t begin, std::size_t end) {
    return take_rows(examples, std::vector<std::size_t>(order.begin() + begin, order.begin() + end));
  };
  Seq2seqSplit split;
  split.test = part(0, test);
  split.validation = part(test, test + validation);
  split.train = part(test + validation, m);
  return split;
}

Seq2seqBatch make_batch(const Seq2seqExamples& examples, const std::vector<std::size_t>& rows) {
  if (rows.empty()) throw std::invalid_argument("make_batch: no rows");
  const std::size_t tt = examples.target.dimension() == 2 ? examples.target.shape(1) : 0;
  if (tt < 2) throw std::invalid_argument("make_batch: targets need at least 2 characters, have " + std::to_string(tt));
  Seq2seqBatch batch;
  batch.source = rows_of(examples.source, rows, 0, examples.source.shape(1));
  batch.decoder_input = rows_of(examples.target, rows, 0, tt - 1);
  batch.labels = rows_of(examples.target, rows, 1, tt - 1);
  return batch;
}

}  // namespace text
}  // namespace minidl
