#pragma once
// The sequel's CBOW with negative sampling (chapter 4): the mean of the context words' input vectors
// scores the target word (label 1) and k sampled negative words (label 0) by a dot product with
// their output vectors; the loss is the sigmoid cross-entropy of those scores.

#include <cstddef>
#include <string>

#include <minidl/core/index.hpp>
#include <minidl/core/random.hpp>
#include <minidl/nn/module.hpp>
#include <minidl/optim/optimizer.hpp>
#include <minidl/text/negative_sampling.hpp>

namespace minidl::models {

/// Two (V,D) tables: "W_in" (the word vectors one keeps) and "W_out", both ~ N(0, 0.01²).
template <typename T>
class Cbow : public Module<T> {
 public:
  /// Throws std::invalid_argument for a zero vocabulary or dimension.
  Cbow(std::size_t vocabulary, std::size_t dim, Generator& gen);

  /// The mean loss of a batch: contexts (N, C) ids, candidates (N, 1+k) ids whose column 0 is the
  /// target and the rest negatives. h = mean_c W_in[contexts] (N,D); s = <h, W_out[candidates]>
  /// (N,1+k); loss = -(1/N) sum( log sigmoid(s[:,0]) + sum_j log sigmoid(-s[:,j]) ), with 1e-7
  /// inside the log as in the book. Throws std::invalid_argument for mismatched batch sizes.
  Variable<T> loss(const IndexTensor& contexts, const IndexTensor& candidates);

  /// Always throws std::logic_error: CBOW takes token ids, see loss().
  Variable<T> forward(const Variable<T>& x) override;
  /// "Cbow(V, D)".
  std::string describe() const override;

  Variable<T> W_in;   ///< input (context) vectors (V,D): the learned word vectors
  Variable<T> W_out;  ///< output (target) vectors (V,D)
};

/// One epoch of CBOW training: the examples shuffled by `gen`, in batches of `batch_size`, each
/// with `negatives` words drawn by `sampler` (also from `gen`), one optimizer step per batch.
/// Returns the mean batch loss.
template <typename T>
double train_cbow_epoch(Cbow<T>& model, Optimizer<T>& optimizer, const text::ContextTargets& data,
                        const text::UnigramSampler& sampler, std::size_t negatives, std::size_t batch_size,
                        Generator& gen);

}  // namespace minidl::models
