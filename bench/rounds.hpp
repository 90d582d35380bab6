#pragma once
// Interleaved measurement. This machine's speed drifts by a quarter within minutes, so timing all
// runs of one setting and then all runs of the next puts the drift straight into the ratios between
// them. Here every timed run of every setting of a workload (its thread counts, its step and its
// GEMM-only baseline) alternates within rounds, and ratios are taken per round, between runs made
// seconds apart (docs/performance.md, "Reproduce").

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace bench {

/// Process-wide counters read around each timed step run.
struct StepCounters {
  std::uint64_t allocs = 0;        ///< heap allocation calls (alloc_counter.hpp)
  std::uint64_t alloc_bytes = 0;   ///< bytes they requested
  std::uint64_t large_allocs = 0;  ///< calls of at least kLargeAllocation bytes
  std::uint64_t tensor_reuses = 0;         ///< tensor buffers served by the buffer cache
  std::uint64_t tensor_system_allocs = 0;  ///< tensor buffers the cache had to get from the system
  std::int64_t page_faults = 0;            ///< minor page faults (fresh memory touched)
};

/// The counters now (since the process started).
StepCounters read_counters();

/// Element-wise difference `later - earlier`.
StepCounters operator-(const StepCounters& later, const StepCounters& earlier);

/// Element-wise sum.
StepCounters& operator+=(StepCounters& total, const StepCounters& more);

/// One setting of a workload (a thread count with its own model): how to make it current, and the
/// two things it times.
struct Contender {
  std::function<void()> activate;  ///< makes this setting current, e.g. sets the thread count
  std::function<void()> step;      ///< one training step
  std::function<void()> gemms;     ///< the matrix products of one step, alone
};

/// What the rounds measured for one contender.
struct RoundTimes {
  std::vector<double> step_s;  ///< per round: seconds per step of that round's timed step run
  std::vector<double> gemm_s;  ///< per round: seconds per step of that round's GEMM-only run
  StepCounters during_steps;   ///< increase of the counters over the timed step runs only
};

/// Measures `contenders` in `rounds` rounds. First, per contender in order: activate, `warmup_steps`
/// untimed steps and one untimed GEMM-only run. Then each round, per contender in turn: activate,
/// one timed run of `steps` steps and one timed GEMM-only run (`steps` times gemms()). Even rounds
/// go from the first contender to the last, step run before GEMM run; odd rounds play that sequence
/// backwards (last contender first, GEMM run before step run), so no run always follows the same
/// other run and, over each pair of rounds, a steady drift of the machine's speed weighs on every
/// run alike. Returns one RoundTimes per contender, in order. Throws std::invalid_argument when
/// `steps` or `rounds` is 0 or there is no contender.
std::vector<RoundTimes> measure_in_rounds(const std::vector<Contender>& contenders, std::size_t steps,
                                          std::size_t warmup_steps, std::size_t rounds);

/// Per-round ratios `numerator[r] / denominator[r]` (the two lists have one entry per round).
/// Throws std::invalid_argument when their lengths differ.
std::vector<double> per_round_ratios(const std::vector<double>& numerator, const std::vector<double>& denominator);

}  // namespace bench
