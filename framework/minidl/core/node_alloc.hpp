#pragma once
// Where graph nodes live: every Node (with its shared-pointer control block, in one block) comes
// from the per-thread small-object cache, so recording a step's graph takes nothing from the system
// allocator once an earlier step has freed nodes of the same size.

#include <memory>

#include "minidl/core/variable.hpp"
#include "minidl/detail/small_object_pool.hpp"

namespace minidl {
namespace detail {

/// A new, default-initialised node.
template <typename T>
std::shared_ptr<Node<T>> new_node() {
  return std::allocate_shared<Node<T>>(SmallObjectAllocator<Node<T>>());
}

/// A new multi-output group.
template <typename T>
std::shared_ptr<OutputGroup<T>> new_output_group() {
  return std::allocate_shared<OutputGroup<T>>(SmallObjectAllocator<OutputGroup<T>>());
}

}  // namespace detail
}  // namespace minidl
