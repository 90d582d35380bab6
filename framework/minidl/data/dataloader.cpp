#include "minidl/data/dataloader.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>

namespace minidl {

template <typename T>
DataLoader<T>::DataLoader(const Dataset<T>& dataset, LoaderOptions options)
    : dataset_(dataset), options_(options), gen_(options.seed), epoch_start_gen_(options.seed) {
  if (options_.batch_size == 0) throw std::invalid_argument("DataLoader: batch_size must be > 0");
  if (dataset_.size() == 0) throw std::invalid_argument("DataLoader: the dataset is empty");
  if (options_.one_hot && dataset_.num_classes() == 0) {
    throw std::invalid_argument("DataLoader: one_hot needs a dataset with num_classes > 0");
  }
}

template <typename T>
std::size_t DataLoader<T>::num_batches() const {
  const std::size_t n = dataset_.size(), b = options_.batch_size;
  if (options_.sampling == Sampling::with_replacement) {
    return options_.steps_per_epoch ? options_.steps_per_epoch : std::max<std::size_t>(n / b, 1);
  }
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

template <typename T>
void DataLoader<T>::start_epoch() {
  const std::size_t n = dataset_.size();
  epoch_start_gen_ = gen_;
  if (options_.sampling == Sampling::with_replacement) {
    // Drawn for the whole epoch up front, in step order: the same stream as drawing per step,
    // and batch(step) stays random access.
    order_.resize(num_batches() * options_.batch_size);
    for (auto& idx : order_) idx = static_cast<std::size_t>(gen_.uniform_int(n));
  } else {
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), std::size_t(0));
    if (options_.sampling == Sampling::shuffle) {
      // Our own Fisher-Yates, not std::shuffle, whose algorithm differs between standard libraries.
      for (std::size_t i = n - 1; i > 0; --i) {
        std::swap(order_[i], order_[static_cast<std::size_t>(gen_.uniform_int(i + 1))]);
      }
    }
  }
  ++epoch_;
  filled_ = nullptr;
}

template <typename T>
Batch<T>& DataLoader<T>::buffer_for(std::size_t n) {
  Batch<T>& b = n == options_.batch_size ? full_ : partial_;
  if (b.labels.size() != n || b.features.size() != n * dataset_.item_numel()) {
    // First use (or a partial batch of another size): allocate once, then reuse.
    Shape shape{n};
    const Shape& item = dataset_.item_shape();
    shape.insert(shape.end(), item.begin(), item.end());
    b.features = Tensor<T>::from_shape(shape);
    b.labels.assign(n, 0);
    b.indices.assign(n, 0);
    b.one_hot = options_.one_hot ? zeros_tensor<T>({n, dataset_.num_classes()}) : Tensor<T>();
  }
  return b;
}

template <typename T>
const Batch<T>& DataLoader<T>::batch(std::size_t step) {
  if (epoch_ == 0) start_epoch();
  const std::size_t steps = num_batches();
  if (step >= steps) {
    throw std::out_of_range("DataLoader::batch: step " + std::to_string(step) +
                            " out of range for an epoch of " + std::to_string(steps) + " batches");
  }
  if (filled_ && filled_step_ == step && filled_epoch_ == epoch_) return *filled_;

  const std::size_t begin = step * options_.batch_size;
  const std::size_t n = std::min(options_.batch_size, order_.size() - begin);
  Batch<T>& b = buffer_for(n);
  filled_ = nullptr;  // b may hold the batch last returned; if filling it throws, it holds neither
  if (options_.one_hot) std::fill(b.one_hot.begin(), b.one_hot.end(), T(0));
  std::copy(order_.begin() + static_cast<std::ptrdiff_t>(begin), order_.begin() + static_cast<std::ptrdiff_t>(begin + n),
            b.indices.begin());
  dataset_.get_batch(b.indices.data(), n, b.features.data(), b.labels.data());
  if (options_.one_hot) {
    const std::size_t classes = dataset_.num_classes();
    for (std::size_t r = 0; r < n; ++r) {
      if (b.labels[r] >= classes) {
        throw std::out_of_range("DataLoader: label " + std::to_string(b.labels[r]) + " of item " +
                                std::to_string(b.indices[r]) + " is not in [0, " + std::to_string(classes) + ")");
      }
      b.one_hot.data()[r * classes + b.labels[r]] = T(1);
    }
  }
  // The next batch's items start loading now, while the caller computes on this one: a shuffled
  // batch's rows lie all over the dataset, and read cold they keep the gather waiting on memory.
  if (step + 1 < steps) {
    const std::size_t next = begin + options_.batch_size;
    dataset_.prefetch(order_.data() + next, std::min(options_.batch_size, order_.size() - next));
  }
  b.step = step;
  filled_ = &b;
  filled_step_ = step;
  filled_epoch_ = epoch_;
  return b;
}

template <typename T>
void DataLoader<T>::reset() {
  reset(options_.seed);
}

template <typename T>
void DataLoader<T>::reset(std::uint64_t seed) {
  options_.seed = seed;
  gen_.seed(seed);
  epoch_start_gen_ = gen_;
  epoch_ = 0;
  order_.clear();
  filled_ = nullptr;
}

template <typename T>
LoaderState DataLoader<T>::state() const {
  // Before any epoch the generator itself is the position; after, the one that drew this epoch.
  return {epoch_, epoch_ == 0 ? gen_.state() : epoch_start_gen_.state()};
}

template <typename T>
void DataLoader<T>::restore(const LoaderState& state) {
  Generator gen;
  gen.set_state(state.generator);
  gen_ = gen;
  order_.clear();
  filled_ = nullptr;
  epoch_ = 0;
  if (state.epochs_started > 0) {
    // Redraw the current epoch's order from the generator that drew it: same draws, same order.
    epoch_ = state.epochs_started - 1;
    start_epoch();
  } else {
    epoch_start_gen_ = gen_;
  }
}

template <typename T>
typename DataLoader<T>::iterator DataLoader<T>::begin() {
  start_epoch();
  return iterator(this, 0);
}

template class DataLoader<float>;
template class DataLoader<double>;

}  // namespace minidl
