#pragma once
// Interleaved measurement. A shared machine's speed can drift by a quarter within minutes, so
// timing all runs of one setting and then all runs of the next puts the drift straight into the
// ratios between them. Here the timed runs of every setting of a workload (its thread counts, its
// step and its GEMM-only baseline) alternate within rounds, and ratios are taken per round, between
// runs made seconds apart (docs/performance.md, "Reproduce").

#include <cstddef>
#include <functional>
#include <vector>

#include "step_counters.hpp"

namespace bench {

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
/// run alike. `counters` (read_counters in the benchmark) is read right before and after each timed
/// step run. Returns one RoundTimes per contender, in order. Throws std::invalid_argument when
/// `steps` or `rounds` is 0, there is no contender or `counters` is null.
std::vector<RoundTimes> measure_in_rounds(const std::vector<Contender>& contenders, std::size_t steps,
                                          std::size_t warmup_steps, std::size_t rounds, StepCounters (*counters)());

/// Per-round ratios `numerator[r] / denominator[r]` (the two lists have one entry per round).
/// Throws std::invalid_argument when their lengths differ.
std::vector<double> per_round_ratios(const std::vector<double>& numerator, const std::vector<double>& denominator);

}  // namespace bench
