#include "step_counters.hpp"

#include <sys/resource.h>

#include <minidl/detail/buffer_pool.hpp>

#include "alloc_counter.hpp"

namespace bench {

namespace {
std::uint64_t batch_time_ns = 0;  // add_batch_time's total; main thread only
}  // namespace

void add_batch_time(std::uint64_t ns) { batch_time_ns += ns; }

StepCounters read_counters() {
  StepCounters c;
  const AllocCount a = alloc_count();
  c.allocs = a.calls;
  c.alloc_bytes = a.bytes;
  c.large_allocs = a.large_calls;
  const minidl::BufferPoolStats pool = minidl::buffer_pool_stats();
  c.tensor_reuses = pool.reuses;
  c.tensor_system_allocs = pool.system_allocations;
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  c.page_faults = u.ru_minflt;
  c.batch_ns = batch_time_ns;
  return c;
}

}  // namespace bench
