#pragma once
// Measuring a language model: perplexity over a whole token stream, read the way training reads
// it (N parallel streams in windows of T steps, the state carried from window to window).

#include <cstddef>

#include "minidl/core/index.hpp"
#include "minidl/nn/language_model.hpp"

namespace minidl {

/// What perplexity() measured.
struct PerplexityResult {
  double loss = 0;         ///< mean cross-entropy per predicted token, in nats
  double perplexity = 0;   ///< exp(loss): the model is as unsure as a uniform choice among this many words
  std::size_t tokens = 0;  ///< predictions scored
};

/// Perplexity of `model` on the 1-d stream `ids`, read as text::BpttStreams(ids, batch, bptt,
/// keep_tail = true): every window's mean cross-entropy weighted by its predictions, the state
/// carried from window to window starting from zeros, no graph recorded, in eval mode (the
/// model's mode is restored afterwards). The book's eval_perplexity reads one stream (batch 1);
/// more streams score the same tokens faster, each stream's start with less context. Throws
/// std::invalid_argument when the stream is too short for `batch` streams or holds an id outside
/// [0, V).
template <typename T>
PerplexityResult perplexity(LanguageModel<T>& model, const IndexTensor& ids, std::size_t batch = 10,
                            std::size_t bptt = 35);

}  // namespace minidl
