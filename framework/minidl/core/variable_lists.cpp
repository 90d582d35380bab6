#include "minidl/core/variable_lists.hpp"

#include <algorithm>
#include <utility>

namespace minidl {
namespace detail {
namespace {

// Lists one thread keeps: more than the nodes of a large step's graph, bounded so that a thread
// that only frees lists made elsewhere does not hoard them.
constexpr std::size_t kMaxCachedLists = 8192;
// An op has a handful of inputs; a longer list (concat of many pieces) is not worth keeping.
constexpr std::size_t kMaxCachedCapacity = 16;
// Every list gets room for this many, so that buffers recycled between ops of 1, 2 and 3 inputs
// fit one another and taking one never reallocates.
constexpr std::size_t kMinCapacity = 4;

template <typename T>
struct ListCache {
  std::vector<std::vector<Variable<T>>> lists;
  ~ListCache() { gone = true; }
  // Trivially destructible, so it can be read after the thread's cache is destroyed (a node that
  // another thread-local object owns may die later).
  static thread_local bool gone;
};

template <typename T>
thread_local bool ListCache<T>::gone = false;

template <typename T>
ListCache<T>* thread_cache() {
  if (ListCache<T>::gone) return nullptr;
  thread_local ListCache<T> cache;
  return &cache;
}

}  // namespace

template <typename T>
std::vector<Variable<T>> take_variable_list(std::size_t n) {
  std::vector<Variable<T>> list;
  if (ListCache<T>* cache = thread_cache<T>(); cache && !cache->lists.empty()) {
    list = std::move(cache->lists.back());
    cache->lists.pop_back();
  }
  list.reserve(std::max(n, kMinCapacity));
  return list;
}

template <typename T>
void recycle_variable_list(std::vector<Variable<T>>&& list) noexcept {
  // Clearing may free nodes whose own lists come back here first: the cache is touched only after.
  list.clear();
  const std::size_t capacity = list.capacity();
  // A list smaller than every list take_variable_list hands out (a custom op's own gradient list)
  // would have to grow when taken again: cheaper to let it go now.
  if (capacity < kMinCapacity || capacity > kMaxCachedCapacity) return;
  ListCache<T>* cache = thread_cache<T>();
  if (!cache) return;
  if (cache->lists.capacity() == 0) {
    try {
      cache->lists.reserve(kMaxCachedLists);  // once: pushing below then never allocates
    } catch (...) {
      return;
    }
  }
  if (cache->lists.size() < kMaxCachedLists) cache->lists.push_back(std::move(list));
}

template std::vector<Variable<float>> take_variable_list<float>(std::size_t);
template std::vector<Variable<double>> take_variable_list<double>(std::size_t);
template void recycle_variable_list<float>(std::vector<Variable<float>>&&) noexcept;
template void recycle_variable_list<double>(std::vector<Variable<double>>&&) noexcept;

}  // namespace detail
}  // namespace minidl
