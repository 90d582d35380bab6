#include "minidl/detail/small_object_pool.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// A cached block is poisoned, so AddressSanitizer still reports a use of a freed node.
#define MINIDL_SMALL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define MINIDL_SMALL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define MINIDL_SMALL_POISON(p, n) ((void)(p), (void)(n))
#define MINIDL_SMALL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace minidl {
namespace detail {
namespace {

// Size classes every kGranule bytes: a Node<float> and its control block, a hash-map entry and a
// short vector each fall in a class of their own, and a block wastes at most kGranule - 1 bytes.
constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = kSmallObjectMaxBytes / kGranule;
// Bytes one thread keeps cached: a few thousand nodes, a recurrent net's whole step graph.
constexpr std::size_t kMaxCachedBytesPerThread = std::size_t(8) << 20;

std::size_t class_of(std::size_t bytes) { return bytes == 0 ? 0 : (bytes - 1) / kGranule; }
std::size_t class_bytes(std::size_t cls) { return (cls + 1) * kGranule; }

struct FreeBlock {
  FreeBlock* next;
};

struct ThreadCache {
  FreeBlock* heads[kClasses] = {};
  SmallObjectStats stats;
  ~ThreadCache();
};

// Whether this thread's cache is usable. Trivially destructible, so it can still be read while the
// thread's other thread-local objects are destroyed (a node they own may be freed after the cache).
thread_local bool t_cache_gone = false;
thread_local ThreadCache t_cache;

ThreadCache::~ThreadCache() {
  t_cache_gone = true;
  for (std::size_t cls = 0; cls < kClasses; ++cls) {
    for (FreeBlock* b = heads[cls]; b;) {
      MINIDL_SMALL_UNPOISON(b, class_bytes(cls));
      FreeBlock* next = b->next;
      ::operator delete(b);
      b = next;
    }
    heads[cls] = nullptr;
  }
}

}  // namespace

void* small_object_allocate(std::size_t bytes) {
  if (bytes > kSmallObjectMaxBytes || t_cache_gone) return ::operator new(bytes);
  const std::size_t cls = class_of(bytes);
  ThreadCache& c = t_cache;
  if (FreeBlock* b = c.heads[cls]) {
    MINIDL_SMALL_UNPOISON(b, class_bytes(cls));
    c.heads[cls] = b->next;
    --c.stats.cached_blocks;
    c.stats.cached_bytes -= class_bytes(cls);
    ++c.stats.reuses;
    return b;
  }
  void* block = ::operator new(class_bytes(cls));  // the whole class, so any block serves any request of it
  ++c.stats.system_allocations;
  return block;
}

void small_object_deallocate(void* block, std::size_t bytes) noexcept {
  if (!block) return;
  if (bytes > kSmallObjectMaxBytes || t_cache_gone) {
    ::operator delete(block);
    return;
  }
  const std::size_t cls = class_of(bytes);
  ThreadCache& c = t_cache;
  if (c.stats.cached_bytes + class_bytes(cls) > kMaxCachedBytesPerThread) {
    ::operator delete(block);
    return;
  }
  FreeBlock* b = static_cast<FreeBlock*>(block);
  b->next = c.heads[cls];
  c.heads[cls] = b;
  ++c.stats.cached_blocks;
  c.stats.cached_bytes += class_bytes(cls);
  MINIDL_SMALL_POISON(b, class_bytes(cls));
}

SmallObjectStats small_object_stats() {
  if (t_cache_gone) return {};
  return t_cache.stats;
}

}  // namespace detail
}  // namespace minidl
