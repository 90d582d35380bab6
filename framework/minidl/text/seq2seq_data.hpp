#pragma once
// Question/answer string pairs (text/toy_sequences.hpp) as integer tensors for a sequence-to-
// sequence model, the way the sequel's chapters 7-8 feed them: one id per character through a
// character Vocabulary, every question and every answer of one fixed width, the answer starting
// with the start character '_'. The decoder reads the answer without its last character and learns
// to predict it without its first (teacher forcing): "_91  " -> input "_91 ", labels "91  ".

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "minidl/core/index.hpp"
#include "minidl/text/toy_sequences.hpp"
#include "minidl/text/vocabulary.hpp"

namespace minidl {
namespace text {

/// The decoder's start-of-sequence character, the first character of every answer.
constexpr const char* kStartChar = "_";

/// Encoded examples: row i of `source` is question i, row i of `target` is answer i.
struct Seq2seqExamples {
  IndexTensor source;  ///< (M, Ts) character ids of the questions
  IndexTensor target;  ///< (M, Tt) character ids of the answers, column 0 the start character
  /// Number of examples M.
  std::size_t size() const { return source.dimension() == 2 ? source.shape(0) : 0; }
};

/// One character per id over every question and answer (ids by descending count, ties by first
/// appearance, so the same pairs always give the same ids). No kUnk: every character seen has an
/// id. Throws std::invalid_argument for an empty pair set or a string that is not UTF-8.
Vocabulary char_vocabulary(const SequencePairs& pairs);

/// The pairs as ids. With `reverse_source` each question's characters (padding included) are in
/// reverse order, the book's "reversed input" trick: the first answer digits then sit next to
/// the question characters they depend on most. Throws std::invalid_argument when the pairs are
/// empty, the two lists differ in length, the questions (or answers) differ in width, or an answer
/// does not start with kStartChar; a character outside `vocab` throws std::out_of_range naming it.
Seq2seqExamples encode_pairs(const SequencePairs& pairs, const Vocabulary& vocab, bool reverse_source = false);

/// The examples at `rows`, in that order. Throws std::out_of_range for a row >= size().
Seq2seqExamples take_rows(const Seq2seqExamples& examples, const std::vector<std::size_t>& rows);

/// A train / validation / test partition of one example set.
struct Seq2seqSplit {
  Seq2seqExamples train, validation, test;
};

/// Shuffles the examples with `seed`, then puts the first `test` in the test split, the next
/// `validation` in the validation split (may be 0) and the rest in the training split. The same
/// arguments give the same split. Throws std::invalid_argument when nothing is left to train on.
Seq2seqSplit split_examples(const Seq2seqExamples& examples, std::size_t validation, std::size_t test,
                            std::uint64_t seed);

/// One mini-batch for teacher-forced training.
struct Seq2seqBatch {
  IndexTensor source;         ///< (N, Ts)
  IndexTensor decoder_input;  ///< (N, Tt-1): target without its last column
  IndexTensor labels;         ///< (N, Tt-1): target without its first column (shifted by one)
};

/// The batch of the examples at `rows`. Throws std::out_of_range for a row >= size() and
/// std::invalid_argument for no rows or targets shorter than 2 characters.
Seq2seqBatch make_batch(const Seq2seqExamples& examples, const std::vector<std::size_t>& rows);

/// The ids of `text`'s characters. Throws std::out_of_range naming a character not in `vocab`.
std::vector<Index> encode_chars(const std::string& text, const Vocabulary& vocab);

/// The characters of `ids` joined into one string. Throws std::out_of_range for an id outside the
/// vocabulary.
std::string decode_chars(const std::vector<Index>& ids, const Vocabulary& vocab);

}  // namespace text
}  // namespace minidl
