#pragma once
// Views of part of a dataset: the first N items, a validation split, any list of indices.

#include <cstddef>
#include <utility>
#include <vector>

#include "minidl/core/random.hpp"
#include "minidl/data/dataset.hpp"

namespace minidl {

/// The items of `base` at `indices`, in that order (repeats allowed). Copies no features: item i
/// is base item indices[i]. `base` must outlive the subset.
template <typename T>
class SubsetDataset : public Dataset<T> {
 public:
  /// Throws std::out_of_range naming the first index that is >= base.size().
  SubsetDataset(const Dataset<T>& base, std::vector<std::size_t> indices);

  std::size_t size() const override { return indices_.size(); }
  const Shape& item_shape() const override { return base_.item_shape(); }
  std::size_t num_classes() const override { return base_.num_classes(); }
  std::size_t get(std::size_t i, T* features) const override;
  std::size_t label(std::size_t i) const override;
  /// The base's get_batch on the mapped items, a block at a time (so a base that gathers a batch
  /// fast, over threads, does so here too). Throws std::out_of_range before writing anything if an
  /// item is not < size().
  void get_batch(const std::size_t* items, std::size_t n, T* features, std::size_t* labels) const override;
  /// The base's prefetch on the mapped items (Dataset::prefetch).
  void prefetch(const std::size_t* items, std::size_t n) const override;
  /// The base's answer (Dataset::concurrent_reads).
  bool concurrent_reads() const override { return base_.concurrent_reads(); }

  /// The base items, in subset order.
  const std::vector<std::size_t>& indices() const { return indices_; }

 private:
  const Dataset<T>& base_;
  std::vector<std::size_t> indices_;
};

/// Indices 0, 1, ..., n−1.
std::vector<std::size_t> first_indices(std::size_t n);

/// A random split of the indices 0..n−1 (the book's shuffle_dataset then slice): returns
/// (train, validation) with round(n · validation_fraction) indices in validation, both in shuffled
/// order. Throws std::invalid_argument if validation_fraction is outside [0, 1].
std::pair<std::vector<std::size_t>, std::vector<std::size_t>> split_indices(std::size_t n, double validation_fraction,
                                                                            Generator& gen);

}  // namespace minidl
