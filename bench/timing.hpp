#pragma once
// Timing helpers: a steady clock, and median/min/max over repeated runs.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace bench {

/// Seconds since an arbitrary epoch (steady clock).
inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Median, minimum and maximum of a set of run times (same unit as the samples).
struct Stats {
  double median = 0, min = 0, max = 0;
  std::size_t runs = 0;
};

/// Summary of `samples` (the median of an even count is the mean of the middle two).
inline Stats summarize(std::vector<double> samples) {
  Stats s;
  s.runs = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  s.median = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  s.min = samples.front();
  s.max = samples.back();
  return s;
}

/// Runs `run()` `warmup` times untimed, then `repeats` times timed; returns per-run seconds divided
/// by `per_run` (the number of steps one run performs), so each sample is a time per step.
template <typename F>
Stats time_runs(F&& run, std::size_t warmup, std::size_t repeats, std::size_t per_run) {
  for (std::size_t i = 0; i < warmup; ++i) run();
  std::vector<double> samples;
  for (std::size_t i = 0; i < repeats; ++i) {
    const double t0 = now_s();
    run();
    samples.push_back((now_s() - t0) / static_cast<double>(per_run));
  }
  return summarize(samples);
}

}  // namespace bench
