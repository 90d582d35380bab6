#include "rounds.hpp"

#include <stdexcept>
#include <string>

#include "timing.hpp"

namespace bench {

namespace {

// Seconds per call of `steps` calls of `f`, timed as one run.
double time_per_call(const std::function<void()>& f, std::size_t steps) {
  const double t0 = now_s();
  for (std::size_t i = 0; i < steps; ++i) f();
  return (now_s() - t0) / static_cast<double>(steps);
}

}  // namespace

std::vector<RoundTimes> measure_in_rounds(const std::vector<Contender>& contenders, std::size_t steps,
                                          std::size_t warmup_steps, std::size_t rounds, StepCounters (*counters)()) {
  if (contenders.empty()) throw std::invalid_argument("measure_in_rounds: no contender");
  if (counters == nullptr) throw std::invalid_argument("measure_in_rounds: no counter reader");
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
        const StepCounters before = counters();
        const double s = time_per_call(c.step, steps);
        t.during_steps += counters() - before;
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
