#include "core_latency.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace bench {

namespace {

// Spins until `flag` holds `want` or `stop` is set; yields the core after a while, so that a
// partner descheduled on a busy machine gets to run.
bool wait_for(const std::atomic<long>& flag, long want, const std::atomic<bool>& stop) {
  for (unsigned spins = 0;; ++spins) {
    if (flag.load(std::memory_order_acquire) == want) return true;
    if (stop.load(std::memory_order_relaxed)) return false;
    if (spins >= 4096) std::this_thread::yield();
  }
}

// Round trips completed in one window, and the window's length in seconds.
double one_window_ns(std::chrono::milliseconds window) {
  alignas(64) std::atomic<long> flag{0};
  std::atomic<bool> stop{false};
  std::thread partner([&] {
    for (long i = 0;; ++i) {
      if (!wait_for(flag, 2 * i + 1, stop)) return;
      flag.store(2 * i + 2, std::memory_order_release);
    }
  });
  // The partner's first answer starts the clock, so thread creation is not timed.
  flag.store(1, std::memory_order_release);
  wait_for(flag, 2, stop);
  const auto start = std::chrono::steady_clock::now(), until = start + window;
  long trips = 0;
  auto now = start;
  for (long i = 1;; ++i) {
    flag.store(2 * i + 1, std::memory_order_release);
    if (!wait_for(flag, 2 * i + 2, stop)) break;
    ++trips;
    if ((trips & 15) == 0 && (now = std::chrono::steady_clock::now()) >= until) break;
  }
  now = std::chrono::steady_clock::now();
  stop.store(true, std::memory_order_relaxed);
  partner.join();
  const double ns = std::chrono::duration<double, std::nano>(now - start).count();
  return trips > 0 ? ns / static_cast<double>(trips) : ns;
}

}  // namespace

double core_round_trip_ns(std::chrono::milliseconds window, int repeats) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2) return -1;
  std::vector<double> ns;
  for (int r = 0; r < std::max(1, repeats); ++r) ns.push_back(one_window_ns(window));
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

}  // namespace bench
