#pragma once
// A process-wide cache of tensor buffers, keyed by size.
//
// A training step frees and re-allocates the same set of buffers every time (activations,
// gradients, optimizer temporaries). Handing a freed block back to the next request of the same size
// keeps the system allocator out of the steady-state step entirely: no malloc/free locking, no
// page faults on fresh mmaps, no memset of new pages by the kernel. Every Tensor allocates through
// it (see PoolAllocator and core/tensor.hpp).

#include <cstddef>
#include <new>
#include <type_traits>

namespace minidl {

/// Alignment of every pooled block, in bytes: a cache line, and enough for AVX-512 aligned loads.
inline constexpr std::size_t kBufferAlignment = 64;

/// Counters of the tensor-buffer cache since the process started (or since
/// `reset_buffer_pool_counters`). A steady-state training step should add to `reuses` only.
struct BufferPoolStats {
  std::size_t system_allocations = 0;  ///< requests the cache could not serve: a new block from the system
  std::size_t reuses = 0;              ///< requests served with a cached block
  std::size_t system_frees = 0;        ///< blocks handed back to the system (cache full, disabled or released)
  std::size_t cached_blocks = 0;       ///< blocks waiting in the cache now
  std::size_t cached_bytes = 0;        ///< their total size
  std::size_t live_blocks = 0;         ///< blocks handed out and not yet returned
  std::size_t live_bytes = 0;          ///< their total size (rounded up to kBufferAlignment)
};

/// A block of at least `bytes` bytes aligned to kBufferAlignment: a cached block of the same rounded
/// size when there is one, else a new one from the system. Throws std::bad_alloc when the system has none.
void* buffer_pool_allocate(std::size_t bytes);

/// Returns a block from buffer_pool_allocate (with the same `bytes`) to the cache, or to the
/// system when caching it would exceed the limit.
void buffer_pool_deallocate(void* block, std::size_t bytes) noexcept;

/// A snapshot of the counters.
BufferPoolStats buffer_pool_stats();

/// Zeroes system_allocations, reuses and system_frees (the cached/live figures stay as they are).
void reset_buffer_pool_counters();

/// Caps the bytes kept in the cache (default 1 GiB, or the environment variable
/// MINIDL_BUFFER_POOL_MIB read at first use). 0 disables caching: every block goes straight back to
/// the system, which is what you want when hunting use-after-free bugs with valgrind. Blocks above a
/// lowered cap are freed at once.
void set_buffer_pool_limit(std::size_t max_cached_bytes);

/// The current cap in bytes.
std::size_t buffer_pool_limit();

/// Frees every cached block back to the system (live blocks are unaffected), e.g. after training,
/// before a memory-hungry phase.
void release_buffer_pool();

// The allocator lives in a namespace of its own: it is a template argument of every Tensor, so its
// namespace takes part in argument-dependent lookup for every xtensor expression. In namespace
// minidl, xtensor's internal unqualified calls (sum, mean, ...) would find minidl's ops.
namespace pool_detail {

/// A standard allocator over the buffer pool; all instances are interchangeable.
template <typename T>
struct PoolAllocator {
  using value_type = T;
  using is_always_equal = std::true_type;

  PoolAllocator() noexcept = default;
  template <typename U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}

  /// Room for n values of T.
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(buffer_pool_allocate(n * sizeof(T)));
  }
  /// Gives back what allocate(n) returned.
  void deallocate(T* p, std::size_t n) noexcept { buffer_pool_deallocate(p, n * sizeof(T)); }

  template <typename U>
  struct rebind {
    using other = PoolAllocator<U>;
  };
};

template <typename T, typename U>
bool operator==(const PoolAllocator<T>&, const PoolAllocator<U>&) noexcept {
  return true;
}
template <typename T, typename U>
bool operator!=(const PoolAllocator<T>&, const PoolAllocator<U>&) noexcept {
  return false;
}

}  // namespace pool_detail

using pool_detail::PoolAllocator;

/// An uninitialised array of n trivially copyable values in a pooled block, returned to the cache
/// when destroyed: per-step scratch that is not a tensor (pooling argmax indices, say) without a
/// system allocation and without zero-filling what is about to be overwritten.
template <typename T>
class PooledArray {
  static_assert(std::is_trivially_copyable_v<T>, "PooledArray holds plain values only");

 public:
  /// Room for n values, uninitialised.
  explicit PooledArray(std::size_t n = 0) : n_(n), data_(n ? PoolAllocator<T>().allocate(n) : nullptr) {}
  ~PooledArray() { release(); }
  PooledArray(PooledArray&& o) noexcept : n_(o.n_), data_(o.data_) {
    o.n_ = 0;
    o.data_ = nullptr;
  }
  PooledArray& operator=(PooledArray&& o) noexcept {
    if (this != &o) {
      release();
      n_ = o.n_;
      data_ = o.data_;
      o.n_ = 0;
      o.data_ = nullptr;
    }
    return *this;
  }
  PooledArray(const PooledArray&) = delete;
  PooledArray& operator=(const PooledArray&) = delete;

  /// Number of values.
  std::size_t size() const { return n_; }
  /// The values (nullptr when empty).
  T* data() { return data_; }
  /// The values (nullptr when empty).
  const T* data() const { return data_; }

 private:
  void release() noexcept {
    if (data_) PoolAllocator<T>().deallocate(data_, n_);
    data_ = nullptr;
    n_ = 0;
  }

  std::size_t n_ = 0;
  T* data_ = nullptr;
};

}  // namespace minidl
