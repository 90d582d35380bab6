#include "minidl/data/subset.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace minidl {

template <typename T>
SubsetDataset<T>::SubsetDataset(const Dataset<T>& base, std::vector<std::size_t> indices)
    : base_(base), indices_(std::move(indices)) {
  for (std::size_t i = 0; i < indices_.size(); ++i) {
    if (indices_[i] >= base_.size())
      throw std::out_of_range("SubsetDataset: index " + std::to_string(indices_[i]) + " at position " +
                              std::to_string(i) + " is out of range for a dataset of " + std::to_string(base_.size()));
  }
}

template <typename T>
std::size_t SubsetDataset<T>::get(std::size_t i, T* features) const {
  if (i >= indices_.size())
    throw std::out_of_range("SubsetDataset: item " + std::to_string(i) + " of " + std::to_string(indices_.size()));
  return base_.get(indices_[i], features);
}

// Base item numbers for a block of subset items, mapped on the stack: no allocation per batch.
constexpr std::size_t kMapBlock = 256;

template <typename T>
void SubsetDataset<T>::get_batch(const std::size_t* items, std::size_t n, T* features, std::size_t* labels) const {
  for (std::size_t r = 0; r < n; ++r) {
    if (items[r] >= indices_.size()) throw_item_out_of_range("SubsetDataset::get_batch", items[r], indices_.size());
  }
  const std::size_t numel = this->item_numel();
  std::size_t mapped[kMapBlock];
  for (std::size_t lo = 0; lo < n; lo += kMapBlock) {
    const std::size_t count = std::min(kMapBlock, n - lo);
    for (std::size_t r = 0; r < count; ++r) mapped[r] = indices_[items[lo + r]];
    base_.get_batch(mapped, count, features + lo * numel, labels + lo);
  }
}

template <typename T>
void SubsetDataset<T>::prefetch(const std::size_t* items, std::size_t n) const {
  std::size_t mapped[kMapBlock];
  for (std::size_t lo = 0; lo < n; lo += kMapBlock) {
    std::size_t count = 0;
    for (std::size_t r = lo; r < std::min(n, lo + kMapBlock); ++r) {
      if (items[r] < indices_.size()) mapped[count++] = indices_[items[r]];
    }
    base_.prefetch(mapped, count);
  }
}

template <typename T>
std::size_t SubsetDataset<T>::label(std::size_t i) const {
  if (i >= indices_.size())
    throw std::out_of_range("SubsetDataset: item " + std::to_string(i) + " of " + std::to_string(indices_.size()));
  return base_.label(indices_[i]);
}

std::vector<std::size_t> first_indices(std::size_t n) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), std::size_t{0});
  return out;
}

std::pair<std::vector<std::size_t>, std::vector<std::size_t>> split_indices(std::size_t n, double validation_fraction,
                                                                            Generator& gen) {
  if (!(validation_fraction >= 0 && validation_fraction <= 1))
    throw std::invalid_argument("split_indices: validation_fraction must be in [0, 1], got " +
                                std::to_string(validation_fraction));
  std::vector<std::size_t> order = first_indices(n);
  // Fisher-Yates with the minidl generator, so the split depends only on the seed.
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[gen.uniform_int(i)]);
  const auto n_val = static_cast<std::size_t>(std::llround(static_cast<double>(n) * validation_fraction));
  std::vector<std::size_t> val(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_val));
  std::vector<std::size_t> train(order.begin() + static_cast<std::ptrdiff_t>(n_val), order.end());
  return {std::move(train), std::move(val)};
}

template class SubsetDataset<float>;
template class SubsetDataset<double>;

}  // namespace minidl
