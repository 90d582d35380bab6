#pragma once
// The process-wide counters the benchmark reads around each timed step run: heap allocations
// (alloc_counter.hpp), the tensor-buffer cache, minor page faults, and the time the steps spent
// fetching their batches.

#include <cstdint>

namespace bench {

/// A snapshot of the counters, or the difference of two snapshots.
struct StepCounters {
  std::uint64_t allocs = 0;                ///< heap allocation calls
  std::uint64_t alloc_bytes = 0;           ///< bytes they requested
  std::uint64_t large_allocs = 0;          ///< calls of at least kLargeAllocation bytes
  std::uint64_t tensor_reuses = 0;         ///< tensor buffers served by the buffer cache
  std::uint64_t tensor_system_allocs = 0;  ///< tensor buffers the cache had to get from the system
  std::int64_t page_faults = 0;            ///< minor page faults (fresh memory touched)
  std::uint64_t batch_ns = 0;              ///< nanoseconds spent in DataLoader::batch (add_batch_time)
};

/// The counters now (since the process started). Defined in step_counters.cpp, which only the
/// benchmark program links (it needs the allocation counter).
StepCounters read_counters();

/// Adds `ns` to the time spent in DataLoader::batch, which the benchmark's training step times
/// around each call. Called from the benchmark's main thread only (steps run there).
void add_batch_time(std::uint64_t ns);

/// Element-wise difference `later - earlier`.
inline StepCounters operator-(const StepCounters& later, const StepCounters& earlier) {
  StepCounters d;
  d.allocs = later.allocs - earlier.allocs;
  d.alloc_bytes = later.alloc_bytes - earlier.alloc_bytes;
  d.large_allocs = later.large_allocs - earlier.large_allocs;
  d.tensor_reuses = later.tensor_reuses - earlier.tensor_reuses;
  d.tensor_system_allocs = later.tensor_system_allocs - earlier.tensor_system_allocs;
  d.page_faults = later.page_faults - earlier.page_faults;
  d.batch_ns = later.batch_ns - earlier.batch_ns;
  return d;
}

/// Element-wise sum.
inline StepCounters& operator+=(StepCounters& total, const StepCounters& more) {
  total.allocs += more.allocs;
  total.alloc_bytes += more.alloc_bytes;
  total.large_allocs += more.large_allocs;
  total.tensor_reuses += more.tensor_reuses;
  total.tensor_system_allocs += more.tensor_system_allocs;
  total.page_faults += more.page_faults;
  total.batch_ns += more.batch_ns;
  return total;
}

}  // namespace bench
