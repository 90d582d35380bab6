#pragma once
// Counts heap allocations of the whole process (every thread, every library).
//
// How: alloc_counter.cpp defines malloc, calloc, realloc, memalign, posix_memalign and
// aligned_alloc in the executable. Dynamic linking resolves those names to the executable's
// definitions first, so libstdc++'s operator new (which calls malloc), xtensor's xsimd allocator
// (posix_memalign) and OpenBLAS all go through them. Each bumps a counter and forwards to glibc's
// own entry points (__libc_malloc, __libc_memalign, ...). free is left to glibc: the counter counts
// allocations, not live blocks. glibc-only, which is what this machine runs.

#include <cstdint>

namespace bench {

/// Requests of at least this many bytes are counted apart: no node, shape or closure is this big, so
/// in a training step they can only be data buffers that bypassed the tensor-buffer cache.
inline constexpr std::uint64_t kLargeAllocation = 4096;

/// Allocation calls and requested bytes since the start of the process.
struct AllocCount {
  std::uint64_t calls = 0;
  std::uint64_t bytes = 0;
  std::uint64_t large_calls = 0;  ///< calls of at least kLargeAllocation bytes
};

/// The counts so far (relaxed reads: take differences around single-threaded code).
AllocCount alloc_count();

}  // namespace bench
