#pragma once
// How far apart the benchmark's two cores are: the time a cache line takes to go from one thread
// to another and back. On a virtual machine it is a property of where the host runs the vCPUs at
// the moment, and it moves: on the 2-vCPU EPYC of docs/performance.md it was about 160 ns in some
// periods and about 490 ns in others, and the 2-thread steps, whose threads pass batches and
// partial results to each other, were much slower in the second (W1's 2-thread / 1-thread step
// 0.62-0.66 against 0.80-0.94). The benchmark reports it next to every workload so that 2-thread
// figures can be read against it.

#include <chrono>

namespace bench {

/// The median over `repeats` windows of `window` each of the round trip between two threads that
/// take turns writing one atomic (one cache line), in nanoseconds. Bounded in time whatever the
/// load: a thread that has waited long yields its core, and a window ends on time even if few
/// round trips fit. Returns a negative value when this process may run on fewer than 2 CPUs.
double core_round_trip_ns(std::chrono::milliseconds window = std::chrono::milliseconds(10), int repeats = 5);

}  // namespace bench
