#pragma once
// One seeded random source for everything random in minidl (initialisation, shuffling, dropout,
// gradcheck projections): the same seed gives the same run, bit for bit.

#include <cstdint>
#include <random>
#include <string>

#include "minidl/core/tensor.hpp"

namespace minidl {

/// A seeded pseudo-random generator (64-bit Mersenne Twister). Copyable: a copy replays the stream.
class Generator {
 public:
  /// Creates a generator; the default seed is 0 so runs are reproducible unless told otherwise.
  explicit Generator(std::uint64_t seed = 0) : engine_(seed), seed_(seed) {}

  /// Restarts the stream from `seed`.
  void seed(std::uint64_t seed) {
    engine_.seed(seed);
    seed_ = seed;
  }
  /// The seed this stream was last started from.
  std::uint64_t initial_seed() const { return seed_; }

  /// A uniformly distributed integer in [0, n). n must be > 0.
  std::uint64_t uniform_int(std::uint64_t n);
  /// A uniformly distributed real in [lo, hi).
  double uniform(double lo = 0.0, double hi = 1.0);
  /// A normally distributed real.
  double normal(double mean = 0.0, double stddev = 1.0);

  /// The whole stream position as text (the engine's standard textual form, a few KB): a generator
  /// given it by set_state continues with exactly the numbers this one would draw next.
  std::string state() const;
  /// Continues from a position saved by state(). Throws std::invalid_argument (and leaves the
  /// generator unchanged) when the text is not such a state.
  void set_state(const std::string& state);

  /// The underlying engine, for use with <random> distributions and std::shuffle.
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
  std::uint64_t seed_;
};

/// The calling thread's generator, used when no generator is passed explicitly. One per thread,
/// each starting from seed 0: threads never race on it, and one thread's draws never change
/// another's stream. A Generator object itself is not thread-safe; give each thread its own.
Generator& default_generator();

/// Re-seeds the calling thread's default generator (like torch.manual_seed / np.random.seed).
void manual_seed(std::uint64_t seed);

/// A tensor of normal samples N(mean, stddev^2) drawn from `gen`.
template <typename T>
Tensor<T> randn_tensor(const Shape& shape, Generator& gen, double mean = 0.0, double stddev = 1.0);

/// A tensor of uniform samples in [lo, hi) drawn from `gen`.
template <typename T>
Tensor<T> uniform_tensor(const Shape& shape, Generator& gen, double lo = 0.0, double hi = 1.0);

}  // namespace minidl
