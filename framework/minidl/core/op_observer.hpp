#pragma once
// Op observers: a hook that sees every op as record() creates its result and every gradient the
// backward engine computes, on the calling thread. Anomaly detection (core/anomaly.hpp) is one;
// a tool that lists the ops a computation ran (the gradient-check sweep's coverage test) is another.
//
// Cost: with no observer installed, record() and the backward engine test one thread-local pointer
// per op and call nothing.

#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// Receives ops and gradients as they are computed. Override the overloads you need; the defaults
/// do nothing. Throwing from a callback aborts the op (forward) or the backward pass, with the
/// exception passed on to the caller.
class OpObserver {
 public:
  virtual ~OpObserver() = default;
  /// After op `op` computed `output` from `inputs` (whether or not a node was recorded).
  virtual void on_forward(const char* op, const Tensor<float>& output, const std::vector<Variable<float>>& inputs);
  /// The float64 overload of on_forward.
  virtual void on_forward(const char* op, const Tensor<double>& output, const std::vector<Variable<double>>& inputs);
  /// After the backward function of `node` returned `grads` (one per input, undefined = none) for
  /// the upstream gradient `grad_output`.
  virtual void on_backward(const Node<float>& node, const Variable<float>& grad_output,
                           const std::vector<Variable<float>>& grads);
  /// The float64 overload of on_backward.
  virtual void on_backward(const Node<double>& node, const Variable<double>& grad_output,
                           const std::vector<Variable<double>>& grads);
};

/// The calling thread's observer, or nullptr when none is installed (the default).
OpObserver* op_observer();

/// Installs an observer on the calling thread for a scope and restores the previous one after.
/// Observers are per thread: installing one never affects ops that other threads run.
class OpObserverScope {
 public:
  /// Installs `observer` (not owned; it must outlive the scope). nullptr turns observing off.
  explicit OpObserverScope(OpObserver* observer);
  ~OpObserverScope();
  OpObserverScope(const OpObserverScope&) = delete;
  OpObserverScope& operator=(const OpObserverScope&) = delete;

 private:
  OpObserver* previous_;
};

/// True while the calling thread runs a backward pass (backward() or grad()). Ops recorded then are
/// the backward functions' own ops; an observer may want to treat them differently.
bool in_backward_pass();

namespace detail {
/// The thread-local pointer behind op_observer(), exposed so record() can test it inline.
extern thread_local OpObserver* t_op_observer;
/// The backward-pass nesting depth behind in_backward_pass(); the engine maintains it.
extern thread_local int t_backward_depth;
}  // namespace detail

}  // namespace minidl
