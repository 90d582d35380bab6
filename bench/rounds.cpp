#include "rounds.hpp"

#include <sys/resource.h>

#include <stdexcept>
#include <string>

#include <minidl/detail/buffer_pool.hpp>

#include "alloc_counter.hpp"
#include "timing.hpp"

namespace bench {

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
  return c;
}

StepCounters operator-(const StepCounters& later, const StepCounters& earlier) {
  StepCounters d;
  d.allocs = later.allocs - earlier.allocs;
  d.alloc_bytes = later.alloc_bytes - earlier.alloc_bytes;
  d.large_allocs = later.large_allocs - earlier.large_allocs;
  d.tensor_reuses = later.tensor_reuses - earlier.tensor_reuses;
  d.tensor_system_allocs = later.tensor_system_allocs - earlier.tensor_system_allocs;
  d.page_faults = later.page_faults - earlier.page_faults;
  return d;
}

StepCounters& operator+=(StepCounters& total, const StepCounters& more) {
  total.allocs += more.allocs;
  total.alloc_bytes += more.alloc_bytes;
  total.large_allocs += more.large_allocs;
  total.tensor_reuses += more.tensor_reuses;
  total.tensor_system_allocs += more.tensor_system_allocs;
  total.page_faults += more.page_faults;
  return total;
}

namespace {

// Seconds per call of `steps` calls of `f`, timed as one run.
double time_per_call(const std::function<void()>& f, std::size_t steps) {
  const double t0 = now_s();
  for (std::size_t i = 0; i < steps; ++i) f();
  return (now_s() - t0) / static_cast<double>(steps);
}

}  // namespace

std::vector<RoundTimes> measure_in_rounds(const std::vector<Contender>& contenders, std::size_t steps,
                                          std::size_t warmup_steps, std::size_t rounds) {
  if (contenders.empty()) throw std::invalid_argument("measure_in_rounds: no contender");
  if (steps == 0 || rounds == 0) throw std::invalid_argument("measure_in_rounds: steps and rounds must be positive");
  const std::size_t n = contenders.size();
  std::vector<RoundTimes> out(n);
  // Reserved up front: the per-round samples must not allocate between the counter reads.
  for (RoundTimes& t : out) {
    t.step_s.reserve(rounds);
    t.gemm_s.reserve(rounds);
  }
  for (const Contender& c : contenders) {
    c.activate();
    for (std::size_t i = 0; i < warmup_steps; ++i) c.step();
    for (std::size_t i = 0; i < steps; ++i) c.gemms();
  }
  for (std::size_t r = 0; r < rounds; ++r) {
    const bool forward = r % 2 == 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = forward ? k : n - 1 - k;
      const Contender& c = contenders[i];
      RoundTimes& t = out[i];
      auto step_run = [&] {
        const StepCounters before = read_counters();
        const double s = time_per_call(c.step, steps);
        t.during_steps += read_counters() - before;
        t.step_s.push_back(s);
      };
      auto gemm_run = [&] { t.gemm_s.push_back(time_per_call(c.gemms, steps)); };
      c.activate();
      if (forward) {
        step_run();
        gemm_run();
      } else {
        gemm_run();
        step_run();
      }
    }
  }
  return out;
}

std::vector<double> per_round_ratios(const std::vector<double>& numerator, const std::vector<double>& denominator) {
  if (numerator.size() != denominator.size())
    throw std::invalid_argument("per_round_ratios: " + std::to_string(numerator.size()) + " numerators but " +
                                std::to_string(denominator.size()) + " denominators");
  std::vector<double> out(numerator.size());
  for (std::size_t r = 0; r < out.size(); ++r) out[r] = numerator[r] / denominator[r];
  return out;
}

}  // namespace bench
