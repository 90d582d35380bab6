#include "minidl/detail/buffer_pool.hpp"

#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// A cached block is poisoned, so AddressSanitizer still reports a use after the tensor that owned it
// was freed, exactly as it would without the cache.
#define MINIDL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define MINIDL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define MINIDL_POISON(p, n) ((void)(p), (void)(n))
#define MINIDL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace minidl {
namespace {

std::size_t rounded(std::size_t bytes) {
  if (bytes == 0) return kBufferAlignment;  // a real, distinct block even for an empty tensor
  if (bytes > static_cast<std::size_t>(-1) - kBufferAlignment) throw std::bad_alloc();
  return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

std::size_t limit_from_environment() {
  const char* mib = std::getenv("MINIDL_BUFFER_POOL_MIB");
  if (mib && *mib) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(mib, &end, 10);
    if (end && *end == '\0') return static_cast<std::size_t>(v) << 20;
  }
  return std::size_t(1) << 30;
}

struct Pool {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;  // rounded size -> cached blocks
  std::size_t limit = limit_from_environment();
  BufferPoolStats stats;

  void trim_to(std::size_t cap) {  // caller holds the mutex
    for (auto& [size, blocks] : free_blocks) {
      while (stats.cached_bytes > cap && !blocks.empty()) {
        void* p = blocks.back();
        blocks.pop_back();
        MINIDL_UNPOISON(p, size);
        std::free(p);
        stats.cached_bytes -= size;
        --stats.cached_blocks;
        ++stats.system_frees;
      }
    }
  }
};

// Never destroyed: tensors in other static objects may be freed after this file's statics are gone.
// The pointer keeps every cached block reachable, so leak checkers do not report them.
Pool& pool() {
  static Pool* const instance = new Pool;
  return *instance;
}

}  // namespace

void* buffer_pool_allocate(std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    auto it = p.free_blocks.find(size);
    if (it != p.free_blocks.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      p.stats.cached_bytes -= size;
      --p.stats.cached_blocks;
      ++p.stats.reuses;
      ++p.stats.live_blocks;
      p.stats.live_bytes += size;
      MINIDL_UNPOISON(block, size);
      return block;
    }
  }
  void* block = std::aligned_alloc(kBufferAlignment, size);
  if (!block) throw std::bad_alloc();
  std::lock_guard<std::mutex> lock(p.mutex);
  ++p.stats.system_allocations;
  ++p.stats.live_blocks;
  p.stats.live_bytes += size;
  return block;
}

void buffer_pool_deallocate(void* block, std::size_t bytes) noexcept {
  if (!block) return;
  const std::size_t size = rounded(bytes);
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  --p.stats.live_blocks;
  p.stats.live_bytes -= size;
  if (p.stats.cached_bytes + size <= p.limit) {
    try {
      p.free_blocks[size].push_back(block);  // allocates only the first time a size is seen
      p.stats.cached_bytes += size;
      ++p.stats.cached_blocks;
      MINIDL_POISON(block, size);
      return;
    } catch (...) {
      // No memory for the bookkeeping: fall through and give the block back instead.
    }
  }
  std::free(block);
  ++p.stats.system_frees;
}

BufferPoolStats buffer_pool_stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.stats;
}

void reset_buffer_pool_counters() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.stats.system_allocations = 0;
  p.stats.reuses = 0;
  p.stats.system_frees = 0;
}

void set_buffer_pool_limit(std::size_t max_cached_bytes) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.limit = max_cached_bytes;
  p.trim_to(max_cached_bytes);
}

std::size_t buffer_pool_limit() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.limit;
}

void release_buffer_pool() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.trim_to(0);
}

}  // namespace minidl
