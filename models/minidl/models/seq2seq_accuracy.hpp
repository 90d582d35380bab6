#pragma once
// How well a seq2seq model answers: the fraction of questions whose greedy decode is the whole
// expected answer, padding included (the book's eval_seq2seq: one wrong character is a wrong
// answer).

#include <cstddef>

#include <minidl/models/seq2seq.hpp>
#include <minidl/text/seq2seq_data.hpp>

namespace minidl::models {

/// Exact-match accuracy in [0,1] over `examples`: each target's column 0 is the start id, and the
/// greedy decode of the remaining Tt-1 characters must equal them. Runs in eval mode with no graph
/// (the model's mode is restored), `batch` rows per decode. Throws std::invalid_argument for no
/// examples, a zero batch, or targets that do not all start with the same id.
template <typename T>
double exact_match_accuracy(Seq2seqModel<T>& model, const text::Seq2seqExamples& examples, std::size_t batch = 1000);

}  // namespace minidl::models
