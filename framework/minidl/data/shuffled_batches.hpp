#pragma once
// Shuffled mini-batches of row numbers for data that is not a Dataset of float features (token-id
// tensors, say): each epoch a fresh seeded permutation of 0..N-1, cut into batches of a fixed size
// (the last one smaller when the size does not divide N). Its state is what a resumed run needs to
// replay the current epoch's order and every later one bit for bit.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "minidl/core/random.hpp"

namespace minidl {

/// Seeded permutations of `items` rows in batches of `batch_size`.
class ShuffledBatches {
 public:
  /// Throws std::invalid_argument for zero items or a zero batch size.
  ShuffledBatches(std::size_t items, std::size_t batch_size, std::uint64_t seed);

  /// ceil(items / batch_size).
  std::size_t num_batches() const { return (items_ + batch_size_ - 1) / batch_size_; }
  std::size_t items() const { return items_; }            ///< N.
  std::size_t batch_size() const { return batch_size_; }  ///< As constructed.
  /// Epochs started so far.
  std::size_t epochs_started() const { return epochs_; }

  /// Draws the next epoch's permutation.
  void start_epoch();
  /// The rows of batch `i` of the current epoch. Throws std::logic_error before start_epoch() and
  /// std::out_of_range for i >= num_batches().
  std::vector<std::size_t> batch(std::size_t i) const;

  /// {"epochs_started", "generator"}: the generator as it was just before the current epoch drew
  /// its order.
  nlohmann::json state() const;
  /// Continues from a state() of a sampler with the same items and batch size: batch(i) returns
  /// what it returned there. Throws std::invalid_argument naming a missing or malformed field, and
  /// then changes nothing.
  void restore(const nlohmann::json& state);

 private:
  void draw_order();

  std::size_t items_, batch_size_;
  std::size_t epochs_ = 0;
  Generator gen_;
  std::string before_epoch_;  // gen_.state() before the current epoch's permutation
  std::vector<std::size_t> order_;
};

}  // namespace minidl
