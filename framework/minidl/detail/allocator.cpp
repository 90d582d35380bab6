#include "minidl/detail/allocator.hpp"

#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace minidl {

bool keep_large_buffers_in_heap(std::size_t mmap_threshold) {
#if defined(__GLIBC__)
  const int threshold = mmap_threshold > INT_MAX / 2 ? INT_MAX / 2 : static_cast<int>(mmap_threshold);
  return mallopt(M_MMAP_THRESHOLD, threshold) == 1 && mallopt(M_TRIM_THRESHOLD, 2 * threshold) == 1;
#else
  (void)mmap_threshold;
  return false;
#endif
}

}  // namespace minidl
