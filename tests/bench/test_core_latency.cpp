// bench/core_latency.hpp: the core-to-core round trip is measured, and in bounded time.

#include <catch2/catch.hpp>

#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core_latency.hpp"

TEST_CASE("core round trip: a plausible time on two CPUs, in bounded time even with both busy", "[bench]") {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
  if (CPU_COUNT(&set) < 2) {
    CHECK(bench::core_round_trip_ns() < 0);  // nothing to measure on one CPU
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const double ns = bench::core_round_trip_ns(std::chrono::milliseconds(5), 3);
  // A round trip is two cache-line transfers: tens of ns on one chip at the least. Its upper end
  // depends on the load (other tests may run beside this one, and a waiting thread yields its
  // core), so only a broken probe would take a tenth of a second.
  CHECK(ns > 10);
  CHECK(ns < 1e8);
  // A busy thread per CPU: the probe's threads must share cores, and still finish.
  std::atomic<bool> stop{false};
  std::vector<std::thread> busy;
  for (int i = 0; i < CPU_COUNT(&set); ++i)
    busy.emplace_back([&stop] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  const double loaded = bench::core_round_trip_ns(std::chrono::milliseconds(5), 3);
  stop = true;
  for (auto& t : busy) t.join();
  CHECK(loaded > 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 5.0);  // six 5 ms windows, plus at most a few scheduler slices each
}
