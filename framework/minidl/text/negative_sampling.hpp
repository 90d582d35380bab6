#pragma once
// Training data for CBOW with negative sampling (the sequel's chapter 4): (context, target) pairs
// from a token stream and a sampler of negative words from the unigram distribution raised to 0.75.

#include <cstddef>
#include <vector>

#include "minidl/core/index.hpp"
#include "minidl/core/random.hpp"

namespace minidl {
namespace text {

/// The CBOW examples of a stream: for every position t with `window` tokens on both sides,
/// contexts row = ids[t-window .. t-1, t+1 .. t+window] and target = ids[t].
struct ContextTargets {
  IndexTensor contexts;  ///< (M, 2*window)
  IndexTensor targets;   ///< (M)
};

/// The CBOW examples of the 1-d stream `ids`. Throws std::invalid_argument when `ids` is not 1-d,
/// window is 0 or the stream is too short for one example (2*window + 1 tokens).
ContextTargets make_contexts(const IndexTensor& ids, std::size_t window);

/// Draws word ids with probability count^power / sum(count^power) (power 0.75 lifts rare words, as
/// in word2vec). Sampling is a binary search in the cumulative distribution; the stream of draws is
/// determined by the Generator, so a seed replays it.
class UnigramSampler {
 public:
  /// Throws std::invalid_argument when `counts` is empty or sums to zero, or power < 0.
  explicit UnigramSampler(const std::vector<std::size_t>& counts, double power = 0.75);

  /// One id.
  Index draw(Generator& gen) const;
  /// (N, k) negative ids for the N `targets`: each row avoids its own target (redrawn when hit), so
  /// a negative is never the positive. Throws std::invalid_argument when targets is not 1-d or
  /// when no other id has a non-zero probability.
  IndexTensor sample(const IndexTensor& targets, std::size_t k, Generator& gen) const;
  /// The probability of `id` (for tests and reports).
  double probability(Index id) const;

 private:
  std::vector<double> cumulative_;  // cumulative_[i] = P(id <= i), the last one exactly 1
};

}  // namespace text
}  // namespace minidl
