#include "minidl/data/dataloader.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "minidl/detail/parallel.hpp"

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
DataLoader<T>::~DataLoader() {
  finish_ahead(false);
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
  finish_ahead(false);  // a fill of the old order's next batch is of no use now
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
  size_buffer(b, n);
  return b;
}

template <typename T>
void DataLoader<T>::size_buffer(Batch<T>& b, std::size_t n) {
  const std::size_t numel = n * dataset_.item_numel();
  // The input is refilled in place only while the loader holds the sole handle to a plain leaf:
  // a caller that kept a copy (or marked it for a gradient) keeps its values, and gets a fresh one.
  const Variable<T>& in = b.input;
  const bool reusable = in.defined() && in.node().use_count() == 1 && in.size() == numel &&
                        !in.requires_grad() && !in.has_grad() && in.name().empty();
  if (!reusable) {
    Shape shape{n};
    const Shape& item = dataset_.item_shape();
    shape.insert(shape.end(), item.begin(), item.end());
    b.input = Variable<T>(Tensor<T>::from_shape(shape));
  }
  if (b.labels.size() != n) {
    // First use (or a partial batch of another size): allocate once, then reuse.
    b.labels.assign(n, 0);
    b.indices.assign(n, 0);
    b.one_hot = options_.one_hot ? zeros_tensor<T>({n, dataset_.num_classes()}) : Tensor<T>();
  }
}

template <typename T>
void DataLoader<T>::fill_one_hot(Batch<T>& b) const {
  if (!options_.one_hot) return;
  std::fill(b.one_hot.begin(), b.one_hot.end(), T(0));
  const std::size_t classes = dataset_.num_classes();
  for (std::size_t r = 0; r < b.size(); ++r) {
    if (b.labels[r] >= classes) {
      throw std::out_of_range("DataLoader: label " + std::to_string(b.labels[r]) + " of item " +
                              std::to_string(b.indices[r]) + " is not in [0, " + std::to_string(classes) + ")");
    }
    b.one_hot.data()[r * classes + b.labels[r]] = T(1);
  }
}

template <typename T>
void DataLoader<T>::fill_ahead_chunk(void* self, std::size_t chunk) {
  DataLoader& l = *static_cast<DataLoader*>(self);
  Batch<T>& b = l.ahead_;
  const std::size_t n = b.size(), numel = l.dataset_.item_numel();
  const std::size_t lo = detail::chunk_begin(n, l.ahead_chunks_, chunk);
  const std::size_t hi = detail::chunk_begin(n, l.ahead_chunks_, chunk + 1);
  l.dataset_.get_batch(b.indices.data() + lo, hi - lo, b.input.data().data() + lo * numel, b.labels.data() + lo);
}

template <typename T>
bool DataLoader<T>::start_ahead(std::size_t step) {
  const std::size_t begin = step * options_.batch_size;
  if (ahead_open_ || detail::parallel_threads() <= 1 || !dataset_.concurrent_reads() ||
      begin + options_.batch_size > order_.size()) {
    return false;
  }
  // Chunks of about 16K values: a worker holding one delays the step's own split work by a few
  // microseconds at most.
  const std::size_t values = options_.batch_size * dataset_.item_numel();
  const std::size_t chunks = std::min<std::size_t>(options_.batch_size, std::max<std::size_t>(1, values >> 14));
  size_buffer(ahead_, options_.batch_size);
  std::copy(order_.begin() + static_cast<std::ptrdiff_t>(begin),
            order_.begin() + static_cast<std::ptrdiff_t>(begin + options_.batch_size), ahead_.indices.begin());
  ahead_chunks_ = chunks;
  if (!detail::start_background(chunks, &DataLoader::fill_ahead_chunk, this)) return false;
  ahead_open_ = true;
  ahead_step_ = step;
  ahead_epoch_ = epoch_;
  return true;
}

template <typename T>
void DataLoader<T>::finish_ahead(bool rethrow) {
  if (!ahead_open_) return;
  ahead_open_ = false;
  try {
    detail::finish_background();
  } catch (...) {
    if (rethrow) throw;
  }
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
  const bool ahead = ahead_open_ && ahead_step_ == step && ahead_epoch_ == epoch_;
  // A background fill of this very step: its error is this call's. Of another step: discarded.
  finish_ahead(ahead);
  // From here the buffer of the batch last returned is overwritten or handed on; if filling this
  // one throws, it holds neither.
  filled_ = nullptr;
  Batch<T>* filled = nullptr;
  if (ahead) {
    std::swap(full_, ahead_);  // full_ held the batch last returned, now free for the next fill
    filled = &full_;
  } else {
    filled = &buffer_for(n);
    std::copy(order_.begin() + static_cast<std::ptrdiff_t>(begin),
              order_.begin() + static_cast<std::ptrdiff_t>(begin + n), filled->indices.begin());
    dataset_.get_batch(filled->indices.data(), n, filled->input.data().data(), filled->labels.data());
  }
  Batch<T>& b = *filled;
  fill_one_hot(b);
  // The next batch starts now, while the caller computes on this one: filled on an idle thread
  // when there is one, else its rows' cache lines are asked for (a shuffled batch's rows lie all
  // over the dataset, and read cold they keep the gather waiting on memory).
  if (step + 1 < steps && !start_ahead(step + 1)) {
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
  finish_ahead(false);
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
  finish_ahead(false);
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
