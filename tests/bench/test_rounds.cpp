// bench/rounds.hpp: the order of the interleaved runs, what the counters cover, per-round ratios.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rounds.hpp"

namespace {

// What the contenders did, in order, and a fake counter they bump: steps add 1, GEMM runs 1000.
std::vector<std::string> g_log;
bench::StepCounters g_counters;

bench::StepCounters fake_counters() { return g_counters; }

bench::Contender logging_contender(const std::string& name) {
  return {[name] { g_log.push_back(name + " activate"); },
          [name] {
            g_log.push_back(name + " step");
            g_counters.allocs += 1;
            g_counters.page_faults += 2;
          },
          [name] {
            g_log.push_back(name + " gemm");
            g_counters.allocs += 1000;
          }};
}

// `name` `what` repeated `n` times.
void expect(std::vector<std::string>& out, const std::string& name, const std::string& what, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out.push_back(name + " " + what);
}

}  // namespace

TEST_CASE("measure_in_rounds interleaves settings and reverses every other round", "[bench]") {
  g_log.clear();
  g_counters = {};
  const std::vector<bench::Contender> contenders{logging_contender("a"), logging_contender("b")};
  const std::size_t steps = 3, warmup = 2, rounds = 3;
  const std::vector<bench::RoundTimes> times = bench::measure_in_rounds(contenders, steps, warmup, rounds, fake_counters);

  std::vector<std::string> want;
  for (const char* name : {"a", "b"}) {  // warm-up, in order
    expect(want, name, "activate", 1);
    expect(want, name, "step", warmup);
    expect(want, name, "gemm", steps);
  }
  for (std::size_t r = 0; r < rounds; ++r) {
    const bool forward = r % 2 == 0;
    for (const char* name : forward ? std::vector<const char*>{"a", "b"} : std::vector<const char*>{"b", "a"}) {
      expect(want, name, "activate", 1);
      expect(want, name, forward ? "step" : "gemm", steps);
      expect(want, name, forward ? "gemm" : "step", steps);
    }
  }
  CHECK(g_log == want);

  REQUIRE(times.size() == 2);
  for (const bench::RoundTimes& t : times) {
    CHECK(t.step_s.size() == rounds);
    CHECK(t.gemm_s.size() == rounds);
    // Only the timed step runs count: not the warm-up, not the GEMM runs.
    CHECK(t.during_steps.allocs == steps * rounds);
    CHECK(t.during_steps.page_faults == static_cast<std::int64_t>(2 * steps * rounds));
    for (std::size_t r = 0; r < rounds; ++r) {
      CHECK(t.step_s[r] >= 0);
      CHECK(t.gemm_s[r] >= 0);
    }
  }
}

TEST_CASE("measure_in_rounds rejects an empty measurement", "[bench]") {
  const std::vector<bench::Contender> one{logging_contender("a")};
  CHECK_THROWS_WITH(bench::measure_in_rounds({}, 1, 0, 1, fake_counters), Catch::Contains("no contender"));
  CHECK_THROWS_WITH(bench::measure_in_rounds(one, 0, 0, 1, fake_counters), Catch::Contains("positive"));
  CHECK_THROWS_WITH(bench::measure_in_rounds(one, 1, 0, 0, fake_counters), Catch::Contains("positive"));
  CHECK_THROWS_WITH(bench::measure_in_rounds(one, 1, 0, 1, nullptr), Catch::Contains("counter"));
}

TEST_CASE("per_round_ratios divides round by round", "[bench]") {
  CHECK(bench::per_round_ratios({2.0, 3.0, 1.0}, {1.0, 2.0, 4.0}) == std::vector<double>{2.0, 1.5, 0.25});
  CHECK_THROWS_WITH(bench::per_round_ratios({1.0, 2.0}, {1.0}), Catch::Contains("2 numerators but 1 denominators"));
}
