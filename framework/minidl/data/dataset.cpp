#include "minidl/data/dataset.hpp"

#include "minidl/detail/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace minidl {

void throw_item_out_of_range(const char* who, std::size_t item, std::size_t size) {
  throw std::out_of_range(std::string(who) + ": index " + std::to_string(item) + " out of range for a dataset of " +
                          std::to_string(size) + " items");
}

namespace {

void check_index(std::size_t i, std::size_t n, const char* who) {
  if (i >= n) throw_item_out_of_range(who, i, n);
}

// Checks every item before any is written, so a bad index leaves the batch untouched.
void check_items(const std::size_t* items, std::size_t n, std::size_t size, const char* who) {
  for (std::size_t r = 0; r < n; ++r) check_index(items[r], size, who);
}

// Runs copy(begin, end) over rows [begin, end) of a batch of n items of `numel` values, split over
// minidl's threads when the batch is large. Rows are independent, so any split gives the same
// values. Fetching random items is bound by memory latency, not bandwidth, so a split pays at far
// fewer values than an elementwise pass (detail::kMinParallelElements) does.
template <typename F>
void gather_rows(std::size_t n, std::size_t numel, F&& copy) {
  constexpr std::size_t kMinChunkValues = std::size_t(1) << 14, kMaxChunks = 8;
  const std::size_t chunks = std::min(kMaxChunks, std::max<std::size_t>(1, n * numel / kMinChunkValues));
  if (chunks == 1) {
    copy(std::size_t(0), n);
    return;
  }
  detail::parallel_chunks(chunks, [&](std::size_t i) {
    copy(detail::chunk_begin(n, chunks, i), detail::chunk_begin(n, chunks, i + 1));
  });
}

void check_byte_set(const ByteImageSet& set) {
  const std::size_t n = set.size();
  if (set.item_shape.empty() || set.item_numel() == 0) {
    throw DataError("ByteImageSet: item shape " + shape_str(set.item_shape) + " is empty");
  }
  if (set.pixels.size() != n * set.item_numel()) {
    throw DataError("ByteImageSet: " + std::to_string(set.pixels.size()) + " pixel bytes do not make " +
                    std::to_string(n) + " items of " + shape_str(set.item_shape));
  }
  if (set.num_classes == 0 || set.num_classes > 256) {
    throw DataError("ByteImageSet: num_classes " + std::to_string(set.num_classes) +
                    " must be in [1, 256]");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (set.labels[i] >= set.num_classes) {
      throw DataError("ByteImageSet: label " + std::to_string(set.labels[i]) + " of item " +
                      std::to_string(i) + " is not in [0, " + std::to_string(set.num_classes) + ")");
    }
  }
}

// dst[k] = src[k] / 255 (or the raw byte value), with the bits of the division, so values match the
// book's x.astype(float32) / 255.0 exactly. A plain arithmetic loop, not a 256-entry lookup table: it
// vectorises, a table lookup does not. Where the CPU has FMA, the quotient is x·(1/255) plus one
// correction by the exact remainder x − 255·q (one FMA computes it unrounded): three multiply-adds,
// cheaper than a vector division, and equal to it for every byte (tests/test_dataloader.cpp checks
// all 256).
template <typename T>
void bytes_to_values(const std::uint8_t* __restrict src, std::size_t n, bool normalize, T* __restrict dst) {
  if (normalize) {
#if defined(__FMA__)
    const T inverse = T(1) / T(255);
    for (std::size_t k = 0; k < n; ++k) {
      const T x = static_cast<T>(src[k]), q = x * inverse;
      dst[k] = std::fma(std::fma(-q, T(255), x), inverse, q);
    }
#else
    for (std::size_t k = 0; k < n; ++k) dst[k] = static_cast<T>(src[k]) / T(255);
#endif
  } else {
    for (std::size_t k = 0; k < n; ++k) dst[k] = static_cast<T>(src[k]);
  }
}

// Asks for the cache lines of [p, p + bytes): a shuffled batch reads items from all over memory.
inline void prefetch_range(const void* p, std::size_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off);
}

}  // namespace

Shape formatted_item_shape(const Shape& item_shape, const ImageFormat& format) {
  if (format.flatten) return {shape_size(item_shape)};
  if (item_shape.size() == 2) return {1, item_shape[0], item_shape[1]};
  return item_shape;
}

template <typename T>
ByteImageDataset<T>::ByteImageDataset(std::shared_ptr<const ByteImageSet> images, ImageFormat format)
    : images_(std::move(images)), format_(format) {
  if (!images_) throw std::invalid_argument("ByteImageDataset: null image set");
  check_byte_set(*images_);
  shape_ = formatted_item_shape(images_->item_shape, format_);
}

template <typename T>
ByteImageDataset<T>::ByteImageDataset(ByteImageSet&& images, ImageFormat format)
    : ByteImageDataset(std::make_shared<const ByteImageSet>(std::move(images)), format) {}

template <typename T>
std::size_t ByteImageDataset<T>::get(std::size_t i, T* features) const {
  check_index(i, size(), "ByteImageDataset::get");
  const std::size_t n = images_->item_numel();
  bytes_to_values(images_->pixels.data() + i * n, n, format_.normalize, features);
  return images_->labels[i];
}

template <typename T>
void ByteImageDataset<T>::get_batch(const std::size_t* items, std::size_t n, T* features, std::size_t* labels) const {
  check_items(items, n, size(), "ByteImageDataset::get_batch");
  const std::size_t numel = images_->item_numel();
  const std::uint8_t* pixels = images_->pixels.data();
  // Two items ahead are in flight while one converts.
  constexpr std::size_t kAhead = 2;
  gather_rows(n, numel, [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < std::min(end, begin + kAhead); ++r) prefetch_range(pixels + items[r] * numel, numel);
    for (std::size_t r = begin; r < end; ++r) {
      if (r + kAhead < end) prefetch_range(pixels + items[r + kAhead] * numel, numel);
      bytes_to_values(pixels + items[r] * numel, numel, format_.normalize, features + r * numel);
      labels[r] = images_->labels[items[r]];
    }
  });
}

template <typename T>
void ByteImageDataset<T>::prefetch(const std::size_t* items, std::size_t n) const {
  const std::size_t numel = images_->item_numel(), count = size();
  for (std::size_t r = 0; r < n; ++r) {
    if (items[r] < count) prefetch_range(images_->pixels.data() + items[r] * numel, numel);
  }
}

template <typename T>
std::size_t ByteImageDataset<T>::label(std::size_t i) const {
  check_index(i, size(), "ByteImageDataset::label");
  return images_->labels[i];
}

template <typename T>
TensorDataset<T>::TensorDataset(Tensor<T> features, std::vector<std::size_t> labels,
                                std::size_t num_classes)
    : features_(std::move(features)), labels_(std::move(labels)), num_classes_(num_classes) {
  if (features_.dimension() < 1 || features_.shape()[0] != labels_.size()) {
    throw std::invalid_argument("TensorDataset: features " + shape_str(to_shape(features_.shape())) +
                                " and " + std::to_string(labels_.size()) +
                                " labels: the first axis must match the label count");
  }
  const std::size_t max_label =
      labels_.empty() ? 0 : *std::max_element(labels_.begin(), labels_.end());
  if (num_classes_ == 0) num_classes_ = labels_.empty() ? 0 : max_label + 1;
  if (!labels_.empty() && max_label >= num_classes_) {
    throw std::invalid_argument("TensorDataset: label " + std::to_string(max_label) +
                                " is not in [0, " + std::to_string(num_classes_) + ")");
  }
  shape_ = Shape(features_.shape().begin() + 1, features_.shape().end());
}

template <typename T>
std::size_t TensorDataset<T>::get(std::size_t i, T* features) const {
  check_index(i, size(), "TensorDataset::get");
  const std::size_t n = this->item_numel();
  std::memcpy(features, features_.data() + i * n, n * sizeof(T));
  return labels_[i];
}

template <typename T>
void TensorDataset<T>::get_batch(const std::size_t* items, std::size_t n, T* features, std::size_t* labels) const {
  check_items(items, n, size(), "TensorDataset::get_batch");
  const std::size_t numel = this->item_numel();
  const T* all = features_.data();
  gather_rows(n, numel, [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      std::memcpy(features + r * numel, all + items[r] * numel, numel * sizeof(T));
      labels[r] = labels_[items[r]];
    }
  });
}

template <typename T>
void TensorDataset<T>::prefetch(const std::size_t* items, std::size_t n) const {
  const std::size_t numel = this->item_numel(), count = size();
  for (std::size_t r = 0; r < n; ++r) {
    if (items[r] < count) prefetch_range(features_.data() + items[r] * numel, numel * sizeof(T));
  }
}

template <typename T>
std::size_t TensorDataset<T>::label(std::size_t i) const {
  check_index(i, size(), "TensorDataset::label");
  return labels_[i];
}

template <typename T>
Tensor<T> images_tensor(const ByteImageSet& set, const ImageFormat& format) {
  check_byte_set(set);
  Shape shape{set.size()};
  const Shape item = formatted_item_shape(set.item_shape, format);
  shape.insert(shape.end(), item.begin(), item.end());
  Tensor<T> out = Tensor<T>::from_shape(shape);
  bytes_to_values(set.pixels.data(), set.pixels.size(), format.normalize, out.data());
  return out;
}

template <typename T>
Tensor<T> one_hot_tensor(const ByteImageSet& set) {
  check_byte_set(set);
  Tensor<T> out = zeros_tensor<T>({set.size(), set.num_classes});
  for (std::size_t i = 0; i < set.size(); ++i) out.data()[i * set.num_classes + set.labels[i]] = T(1);
  return out;
}

std::shared_ptr<const ByteImageSet> first_items(const std::shared_ptr<const ByteImageSet>& set, std::size_t n) {
  if (n == 0 || n >= set->size()) return set;
  auto out = std::make_shared<ByteImageSet>();
  out->item_shape = set->item_shape;
  out->num_classes = set->num_classes;
  out->labels.assign(set->labels.begin(), set->labels.begin() + static_cast<std::ptrdiff_t>(n));
  out->pixels.assign(set->pixels.begin(), set->pixels.begin() + static_cast<std::ptrdiff_t>(n * set->item_numel()));
  return out;
}

std::vector<std::size_t> label_indices(const ByteImageSet& set) {
  return std::vector<std::size_t>(set.labels.begin(), set.labels.end());
}

template class ByteImageDataset<float>;
template class ByteImageDataset<double>;
template class TensorDataset<float>;
template class TensorDataset<double>;
template Tensor<float> images_tensor<float>(const ByteImageSet&, const ImageFormat&);
template Tensor<double> images_tensor<double>(const ByteImageSet&, const ImageFormat&);
template Tensor<float> one_hot_tensor<float>(const ByteImageSet&);
template Tensor<double> one_hot_tensor<double>(const ByteImageSet&);

}  // namespace minidl
