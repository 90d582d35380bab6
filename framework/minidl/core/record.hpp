#pragma once
// Recording an op: the single entry point every op (built-in or user-defined) goes through.

#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include "minidl/core/op_observer.hpp"
#include "minidl/core/variable.hpp"
#include "minidl/detail/small_object_pool.hpp"

namespace minidl {

/// The inputs a backward function receives, one Variable per op input.
template <typename T>
using Inputs = std::vector<Variable<T>>;
/// The gradients a backward function returns, one per input (undefined for "no gradient").
template <typename T>
using Grads = std::vector<Variable<T>>;

/// Wraps an op's computed `output` in a Variable. When grad mode is on and some input requires a
/// gradient, the result is a recorded node that owns `inputs` and will call `backward` during
/// backward(); otherwise it is a plain leaf and `backward` is dropped. `op` must be a string
/// literal (it is stored as a pointer).
///
/// This is also the API for custom ops: compute the forward on tensors, then call
///   return record<T>("my_op", std::move(y), {x}, [](const auto& in, const auto& out,
///                                                 const auto& gy) { return std::vector{...}; });
template <typename T>
Variable<T> record(const char* op, Tensor<T> output, std::vector<Variable<T>> inputs, BackwardFn<T> backward);

/// record() with the inputs as a brace list (`{x, W, b}`), the form ops use: the node's input list
/// then takes a recycled buffer (core/variable_lists.hpp), and none is made when nothing is recorded.
template <typename T>
Variable<T> record(const char* op, Tensor<T> output, std::initializer_list<Variable<T>> inputs,
                   BackwardFn<T> backward);

/// Like record, for an op with several outputs (split, unbind, a fused recurrent cell returning h
/// and c): wraps each tensor of `outputs` in a Variable. When recorded, the k results share one
/// node group whose `backward(inputs, outputs, grad_outputs)` the engine calls once per backward
/// pass with one upstream gradient per output, undefined for an output that received none (it was
/// not used on the path to what is differentiated). Each result reports `op` and `inputs`.
template <typename T>
std::vector<Variable<T>> record_multi(const char* op, std::vector<Tensor<T>> outputs, std::vector<Variable<T>> inputs,
                                      MultiBackwardFn<T> backward);

/// True if recording `inputs` would create a node (grad mode on and some input requires grad).
/// Ops use it to skip work only the backward pass needs (masks, cached softmax, ...).
template <typename T>
bool will_record(const std::vector<Variable<T>>& inputs);

/// will_record for a brace list of inputs (makes no list).
template <typename T>
bool will_record(std::initializer_list<Variable<T>> inputs);

namespace detail {

/// A callable whose copies std::function keeps in the small-object cache. libstdc++'s std::function
/// stores a callable inline only when it is trivially copyable and at most 16 bytes; any other
/// (a closure holding a shared_ptr, a Shape, a few doubles) it allocates with a new-expression,
/// which finds the class-specific operator new below: so a recorded op's closure takes no memory
/// from the system allocator in a steady-state step. Calls and copies behave as F's.
template <typename F>
struct PooledCallable {
  F fn;  ///< The wrapped callable.

  /// Calls the wrapped callable.
  template <typename... A>
  decltype(auto) operator()(A&&... args) {
    return fn(std::forward<A>(args)...);
  }
  /// Storage for a heap-held copy, from the small-object cache.
  static void* operator new(std::size_t bytes) { return small_object_allocate(bytes); }
  /// Gives the storage back to the cache.
  static void operator delete(void* block, std::size_t bytes) noexcept { small_object_deallocate(block, bytes); }
};

/// Wraps `f` as a Fn (a BackwardFn or MultiBackwardFn) whose closure lives in the small-object cache.
template <typename Fn, typename F>
Fn pooled_function(F&& f) {
  using D = std::decay_t<F>;
  if constexpr (std::is_same_v<D, Fn> || alignof(D) > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    return Fn(std::forward<F>(f));  // already type-erased, or too aligned for the cache
  } else {
    return Fn(PooledCallable<D>{std::forward<F>(f)});
  }
}

/// Enables the callable overloads below for anything but the type-erased function itself.
template <typename F, typename Fn>
using EnableIfCallable = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Fn>, int>;

}  // namespace detail

/// record() with any callable as the backward (a lambda, typically): this is the overload a call
/// with a lambda picks. The closure is kept in the small-object cache, and when nothing is recorded
/// or observed no std::function is built at all.
template <typename T, typename F, detail::EnableIfCallable<F, BackwardFn<T>> = 0>
Variable<T> record(const char* op, Tensor<T> output, std::initializer_list<Variable<T>> inputs, F&& backward) {
  if (!op_observer() && !will_record<T>(inputs)) return Variable<T>(std::move(output));
  return record<T>(op, std::move(output), inputs, detail::pooled_function<BackwardFn<T>>(std::forward<F>(backward)));
}

/// record() with a list of inputs and any callable as the backward (see the brace-list overload).
template <typename T, typename F, detail::EnableIfCallable<F, BackwardFn<T>> = 0>
Variable<T> record(const char* op, Tensor<T> output, std::vector<Variable<T>> inputs, F&& backward) {
  return record<T>(op, std::move(output), std::move(inputs),
                   detail::pooled_function<BackwardFn<T>>(std::forward<F>(backward)));
}

/// record_multi() with any callable as the backward; its closure is kept in the small-object cache.
template <typename T, typename F, detail::EnableIfCallable<F, MultiBackwardFn<T>> = 0>
std::vector<Variable<T>> record_multi(const char* op, std::vector<Tensor<T>> outputs, std::vector<Variable<T>> inputs,
                                      F&& backward) {
  return record_multi<T>(op, std::move(outputs), std::move(inputs),
                         detail::pooled_function<MultiBackwardFn<T>>(std::forward<F>(backward)));
}

/// A gradient list of `n` undefined entries for a backward function to fill, in a recycled buffer
/// when there is one (the engine recycles every list a backward function returns).
template <typename T>
Grads<T> make_grads(std::size_t n);

/// A gradient list holding `grads`, in a recycled buffer when there is one.
template <typename T>
Grads<T> make_grads(std::initializer_list<Variable<T>> grads);

}  // namespace minidl
