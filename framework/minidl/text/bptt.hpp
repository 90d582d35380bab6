#pragma once
// Truncated-BPTT batching for language models (the sequel's chapter 5): one token stream cut into
// N parallel streams, read T steps at a time. Window w of every stream continues exactly where
// window w-1 stopped, so a model can carry its recurrent state from one window to the next and
// detach it in between.

#include <cstddef>

#include "minidl/core/index.hpp"

namespace minidl {
namespace text {

/// One window: next-token prediction pairs for N streams over T steps, targets[n][t] being the
/// token after inputs[n][t] in the corpus.
struct BpttWindow {
  IndexTensor inputs;   ///< (N, T) token ids
  IndexTensor targets;  ///< (N, T) the ids one position later
};

/// The N streams of a token stream. With L = (size - 1) / N, stream n reads the inputs
/// ids[n·L .. n·L + L - 1] and the targets one position later, so the streams are contiguous
/// blocks of the corpus and every target lies inside it (the last up to N - 1 tokens are unused;
/// the book wraps around to the start instead, which pairs the corpus's end with its beginning).
/// Window w holds steps [w·T, w·T + T) of every stream. Nothing is random: the same stream always
/// gives the same windows.
class BpttStreams {
 public:
  /// `keep_tail`: also yield the last, shorter window of the L mod T steps that remain (what an
  /// evaluation wants, to score every token); without it only full windows are yielded (what
  /// training wants: every step the same shape). Throws std::invalid_argument when ids is not 1-d,
  /// batch or bptt is 0, or the stream is too short for one window (fewer than N·T + 1 tokens,
  /// or N + 1 with keep_tail).
  BpttStreams(IndexTensor ids, std::size_t batch, std::size_t bptt, bool keep_tail = false);

  /// Windows in one pass over the streams.
  std::size_t windows() const { return windows_; }
  /// N, the parallel streams.
  std::size_t batch() const { return batch_; }
  /// T, the steps of a full window.
  std::size_t bptt() const { return bptt_; }
  /// L, the steps of each stream.
  std::size_t stream_length() const { return length_; }
  /// Predictions in one pass: N times the steps of all windows.
  std::size_t tokens_per_pass() const;
  /// Steps of window `w` (T, or fewer for a kept tail). Throws std::out_of_range past windows().
  std::size_t steps(std::size_t w) const;
  /// Window `w` (0-based). Throws std::out_of_range past windows().
  BpttWindow window(std::size_t w) const;

 private:
  IndexTensor ids_;
  std::size_t batch_, bptt_, length_, windows_;
};

}  // namespace text
}  // namespace minidl
