#pragma once
// A per-thread cache of small blocks (graph nodes, their shared-pointer control blocks, the backward
// engine's bookkeeping), so recording and differentiating a graph of the same size every step takes
// no memory from the system allocator once the first step has run.
//
// Each thread keeps one free list per size class. A block freed on a thread goes to that thread's
// list, whichever thread allocated it: blocks are plain system-allocator memory, interchangeable
// between threads, so nothing is shared and nothing needs a lock. A graph built on one thread and
// dropped on another simply moves blocks from the first thread's cache to the second's. Each thread
// caches a bounded number of bytes and frees the rest; a thread's cache is freed when it exits.
// Cached blocks are poisoned for AddressSanitizer, as the tensor-buffer cache's are.

#include <cstddef>
#include <new>
#include <type_traits>

namespace minidl {
namespace detail {

/// The largest block the cache serves; bigger requests go straight to the system allocator.
inline constexpr std::size_t kSmallObjectMaxBytes = 1024;

/// A block of at least `bytes` bytes aligned for any fundamental type: from the calling thread's
/// cache when it holds one of that size class, else from the system. Throws std::bad_alloc.
void* small_object_allocate(std::size_t bytes);

/// Returns a block from small_object_allocate (with the same `bytes`) to the calling thread's cache,
/// or to the system when the cache is full or the thread is exiting.
void small_object_deallocate(void* block, std::size_t bytes) noexcept;

/// Counters of the calling thread's cache since the thread started.
struct SmallObjectStats {
  std::size_t system_allocations = 0;  ///< requests the cache could not serve
  std::size_t reuses = 0;              ///< requests served from the cache
  std::size_t cached_blocks = 0;       ///< blocks waiting in the cache now
  std::size_t cached_bytes = 0;        ///< their total size
};

/// A snapshot of the calling thread's counters.
SmallObjectStats small_object_stats();

/// A standard allocator over the small-object cache (all instances are interchangeable). For
/// std::allocate_shared and node-based containers, whose blocks are small and freed as often as
/// they are allocated. Over-aligned types bypass the cache.
template <typename T>
struct SmallObjectAllocator {
  using value_type = T;
  using is_always_equal = std::true_type;

  SmallObjectAllocator() noexcept = default;
  template <typename U>
  SmallObjectAllocator(const SmallObjectAllocator<U>&) noexcept {}

  /// Room for n values of T.
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    if constexpr (alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(alignof(T))));
    } else {
      return static_cast<T*>(small_object_allocate(n * sizeof(T)));
    }
  }
  /// Gives back what allocate(n) returned.
  void deallocate(T* p, std::size_t n) noexcept {
    if constexpr (alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      ::operator delete(p, std::align_val_t(alignof(T)));
    } else {
      small_object_deallocate(p, n * sizeof(T));
    }
  }
};

template <typename T, typename U>
bool operator==(const SmallObjectAllocator<T>&, const SmallObjectAllocator<U>&) noexcept {
  return true;
}
template <typename T, typename U>
bool operator!=(const SmallObjectAllocator<T>&, const SmallObjectAllocator<U>&) noexcept {
  return false;
}

}  // namespace detail
}  // namespace minidl
