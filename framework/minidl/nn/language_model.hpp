#pragma once
// The interface of a language model: token ids in, next-token scores out, with the recurrent
// state carried explicitly (nn/stateful.hpp). Perplexity, text generation and the language-model
// training task work on any model of this shape.

#include <cstddef>
#include <stdexcept>
#include <utility>

#include "minidl/core/index.hpp"
#include "minidl/nn/stateful.hpp"

namespace minidl {

/// A StatefulModule over token ids: forward(ids (N,T), state) -> (scores (N,T,V), state), where
/// scores[n][t] are the unnormalised log-probabilities of the token after ids[n][t].
template <typename T>
class LanguageModel : public StatefulModule<T> {
 public:
  using StatefulModule<T>::forward;

  /// Scores (N,T,V) for the ids (N,T) and the state after the last step, starting from `state`
  /// (empty: zeros). Throws std::invalid_argument for ids that are not 2-d or outside [0, V).
  virtual std::pair<Variable<T>, State<T>> forward(const IndexTensor& ids, const State<T>& state) = 0;

  /// V, the number of token ids the model reads and scores.
  virtual std::size_t vocabulary_size() const = 0;

  /// Always throws std::logic_error: a language model reads token ids, never a float Variable.
  std::pair<Variable<T>, State<T>> forward(const Variable<T>& /*x*/, const State<T>& /*state*/) override {
    throw std::logic_error(this->describe() + ": a language model takes token ids (an IndexTensor), not a Variable");
  }
};

}  // namespace minidl
