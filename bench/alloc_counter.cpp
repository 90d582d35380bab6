#include "alloc_counter.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>

// glibc's real allocator entry points (exported by libc.so.6 under these names).
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {
// Plain integers in static storage: constant-initialised, so safe before any constructor runs.
std::atomic<std::uint64_t> g_calls{0};
std::atomic<std::uint64_t> g_bytes{0};
std::atomic<std::uint64_t> g_large_calls{0};

inline void note(std::size_t bytes) {
  g_calls.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(bytes, std::memory_order_relaxed);
  if (bytes >= bench::kLargeAllocation) g_large_calls.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {

void* malloc(std::size_t size) noexcept {
  note(size);
  return __libc_malloc(size);
}

void* calloc(std::size_t n, std::size_t size) noexcept {
  note(n * size);
  return __libc_calloc(n, size);
}

// A realloc may move the block: count it as one allocation of the new size.
void* realloc(void* p, std::size_t size) noexcept {
  note(size);
  return __libc_realloc(p, size);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  note(size);
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  note(size);
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  // POSIX: the alignment must be a power of two and a multiple of sizeof(void*).
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  note(size);
  void* p = __libc_memalign(alignment, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

}  // extern "C"

namespace bench {

AllocCount alloc_count() {
  return {g_calls.load(std::memory_order_relaxed), g_bytes.load(std::memory_order_relaxed),
          g_large_calls.load(std::memory_order_relaxed)};
}

}  // namespace bench
