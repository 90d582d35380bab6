#pragma once
// Modules with recurrent state: forward(x, state) -> (y, state). The state travels explicitly, so
// one module can run several sequences, a caller decides where a sequence ends, and truncated
// backpropagation through time is one call (detach_state) between windows.
//
// Single-input modules (Module::forward(x)) are unchanged; a stateful module also answers
// forward(x) by starting from a zero state, so it still fits Sequential-style code.

#include <utility>
#include <vector>

#include "minidl/nn/module.hpp"

namespace minidl {

/// A recurrent state: one Variable per carried quantity, e.g. {h} for RNN and GRU, {h, c} for
/// LSTM. An empty State means "start from zeros".
template <typename T>
using State = std::vector<Variable<T>>;

/// The base of every module with recurrent state.
template <typename T>
class StatefulModule : public Module<T> {
 public:
  using Module<T>::forward;

  /// Applies the module to x starting from `state` (empty: zeros) and returns the output and the
  /// state after x, to pass to the next call. Differentiable through the state: gradients flow
  /// from one call into the previous one until the state is detached.
  virtual std::pair<Variable<T>, State<T>> forward(const Variable<T>& x, const State<T>& state) = 0;

  /// forward(x, {}).first: the output from a zero state, for code that knows only Module.
  Variable<T> forward(const Variable<T>& x) override { return forward(x, State<T>{}).first; }

  /// Same as forward(x, state).
  std::pair<Variable<T>, State<T>> operator()(const Variable<T>& x, const State<T>& state) {
    return forward(x, state);
  }
  using Module<T>::operator();
};

/// The state's values as new leaves outside any graph: what truncated BPTT does between windows,
/// so the next window's backward() stops here instead of running through every earlier window
/// (and the earlier windows' graphs can be freed). Undefined entries stay undefined.
template <typename T>
State<T> detach_state(const State<T>& state) {
  State<T> out;
  out.reserve(state.size());
  for (const auto& v : state) out.push_back(v.defined() ? v.detach() : Variable<T>());
  return out;
}

}  // namespace minidl
