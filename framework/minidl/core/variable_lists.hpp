#pragma once
// Recycled buffers for the lists of Variables that every recorded op makes twice: its inputs (kept
// in its node) and its gradients (returned by its backward function). Such a list is a
// std::vector<Variable<T>>, the type custom ops and backward functions see, so it cannot take its
// memory from a pool of its own; instead a dead node's input list and a used gradient list hand
// their buffers to a per-thread cache, and the next op takes one from there. A steady-state
// training step thereby records and differentiates its graph without allocating these lists.

#include <cstddef>
#include <initializer_list>
#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {
namespace detail {

/// An empty list with room for at least `n` variables: a recycled buffer from the calling thread's
/// cache when there is one, else a new one.
template <typename T>
std::vector<Variable<T>> take_variable_list(std::size_t n);

/// Clears `list` and keeps its buffer in the calling thread's cache for take_variable_list (or
/// frees it when the cache is full, the buffer is large, or the thread is exiting).
template <typename T>
void recycle_variable_list(std::vector<Variable<T>>&& list) noexcept;

/// A list holding `values`, in a recycled buffer when there is one.
template <typename T>
std::vector<Variable<T>> variable_list(std::initializer_list<Variable<T>> values) {
  std::vector<Variable<T>> list = take_variable_list<T>(values.size());
  list.insert(list.end(), values.begin(), values.end());
  return list;
}

}  // namespace detail
}  // namespace minidl
