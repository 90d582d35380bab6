#pragma once
// Datasets: random access to (features, label) items, written straight into a caller's buffer so a
// DataLoader can assemble batches without per-item allocations.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "minidl/core/tensor.hpp"
#include "minidl/data/idx.hpp"

namespace minidl {

/// Throws std::out_of_range naming `item`, `who` and a dataset of `size` items.
[[noreturn]] void throw_item_out_of_range(const char* who, std::size_t item, std::size_t size);

/// A finite, randomly accessible collection of labelled items whose features all share one shape.
/// Labels are class indices in [0, num_classes()).
template <typename T>
class Dataset {
 public:
  virtual ~Dataset() = default;

  /// Number of items.
  virtual std::size_t size() const = 0;
  /// Shape of one item's features, e.g. {784} or {1, 28, 28}.
  virtual const Shape& item_shape() const = 0;
  /// Number of classes (the width of a one-hot label).
  virtual std::size_t num_classes() const = 0;
  /// Writes item i's features (item_numel() values, row-major) to `features` and returns its label.
  /// Throws std::out_of_range if i >= size().
  virtual std::size_t get(std::size_t i, T* features) const = 0;
  /// Item i's label alone (cheap: no features are written).
  virtual std::size_t label(std::size_t i) const = 0;
  /// Writes the features of items[0..n) to consecutive rows of `features` (item_numel() values
  /// each) and their labels to labels[0..n): what a DataLoader does for each batch. The default
  /// calls get() for each item in turn. A dataset whose get() may run on several threads at once
  /// can override this to split the batch across minidl's threads (set by blas::set_threads).
  /// Throws std::out_of_range, before writing anything, if an item is not < size().
  virtual void get_batch(const std::size_t* items, std::size_t n, T* features, std::size_t* labels) const {
    for (std::size_t r = 0; r < n; ++r) {
      if (items[r] >= size()) throw_item_out_of_range("Dataset::get_batch", items[r], size());
    }
    const std::size_t numel = item_numel();
    for (std::size_t r = 0; r < n; ++r) labels[r] = get(items[r], features + r * numel);
  }

  /// A hint that items[0..n) will be read soon (a DataLoader's next batch): a dataset held in
  /// memory may start loading their cache lines so the later get_batch does not wait on memory.
  /// Changes no value and never throws; items that are not < size() are skipped. The default does
  /// nothing.
  virtual void prefetch(const std::size_t* items, std::size_t n) const {
    (void)items;
    (void)n;
  }

  /// True when get_batch may run on another thread while the caller goes on using the dataset
  /// (its reads change nothing, and its get_batch does not rely on the calling thread). A
  /// DataLoader then fills the next batch on an idle minidl thread while the step computes.
  /// False by default; minidl's in-memory datasets say true.
  virtual bool concurrent_reads() const { return false; }

  /// Values per item: the product of item_shape().
  std::size_t item_numel() const { return shape_size(item_shape()); }
};

/// Labelled uint8 images as IDX files hold them: N items of `item_shape`, one class label each.
/// Kept as bytes (1 byte a pixel) so the 60000 MNIST training images take 47 MB, not 188 MB.
struct ByteImageSet {
  Shape item_shape;                   ///< one item, e.g. {28, 28}
  std::vector<std::uint8_t> pixels;   ///< row-major (N, item_shape...), size N * prod(item_shape)
  std::vector<std::uint8_t> labels;   ///< N class indices, each < num_classes
  std::size_t num_classes = 10;

  /// Number of items.
  std::size_t size() const { return labels.size(); }
  /// Pixels per item.
  std::size_t item_numel() const { return shape_size(item_shape); }
};

/// How uint8 images become floating-point features (the book's load_mnist flags).
struct ImageFormat {
  bool normalize = true;       ///< x / 255 in [0, 1] if true, raw 0..255 otherwise
  bool flatten = true;         ///< items shaped {prod(item_shape)} if true, else {1, H, W} / {C, H, W}
  bool one_hot_label = false;  ///< labels as one-hot rows (N, num_classes) instead of indices
};

/// The feature shape an item of `item_shape` gets under `format`: {H*W} when flattened, else the
/// image with a channel axis, {1, H, W} (a 3-d item shape is kept as it is).
Shape formatted_item_shape(const Shape& item_shape, const ImageFormat& format);

/// A Dataset over shared uint8 images that converts to T while writing each item (x/255 when
/// normalizing), so memory holds only the bytes. Copies share the images.
template <typename T>
class ByteImageDataset : public Dataset<T> {
 public:
  /// Shares `images`; checks that pixel and label counts agree and labels are < num_classes
  /// (DataError otherwise: bad bytes are a data problem).
  ByteImageDataset(std::shared_ptr<const ByteImageSet> images, ImageFormat format = {});
  /// Takes ownership of `images` (moved in: no copy of the pixels).
  explicit ByteImageDataset(ByteImageSet&& images, ImageFormat format = {});

  std::size_t size() const override { return images_->size(); }
  const Shape& item_shape() const override { return shape_; }
  std::size_t num_classes() const override { return images_->num_classes; }
  std::size_t get(std::size_t i, T* features) const override;
  std::size_t label(std::size_t i) const override;
  /// Split across minidl's threads for a large batch; each item's next bytes are fetched from
  /// memory while the one before converts. Values are those of get(), at any thread count.
  void get_batch(const std::size_t* items, std::size_t n, T* features, std::size_t* labels) const override;
  /// Asks for the cache lines of each item's row (Dataset::prefetch).
  void prefetch(const std::size_t* items, std::size_t n) const override;
  /// True: reads change nothing (Dataset::concurrent_reads).
  bool concurrent_reads() const override { return true; }

  /// The underlying bytes.
  const ByteImageSet& images() const { return *images_; }
  const ImageFormat& format() const { return format_; }

 private:
  std::shared_ptr<const ByteImageSet> images_;
  ImageFormat format_;
  Shape shape_;
};

/// A Dataset over in-memory features (N, ...) and class labels, e.g. a synthetic or preprocessed set.
template <typename T>
class TensorDataset : public Dataset<T> {
 public:
  /// `features` has shape (N, ...) and `labels` N entries, each < num_classes
  /// (std::invalid_argument otherwise). num_classes = 0 takes max(label) + 1.
  TensorDataset(Tensor<T> features, std::vector<std::size_t> labels, std::size_t num_classes = 0);

  std::size_t size() const override { return labels_.size(); }
  const Shape& item_shape() const override { return shape_; }
  std::size_t num_classes() const override { return num_classes_; }
  std::size_t get(std::size_t i, T* features) const override;
  std::size_t label(std::size_t i) const override;
  /// Split across minidl's threads for a large batch, like ByteImageDataset's.
  void get_batch(const std::size_t* items, std::size_t n, T* features, std::size_t* labels) const override;
  /// Asks for the cache lines of each item's row (Dataset::prefetch).
  void prefetch(const std::size_t* items, std::size_t n) const override;
  /// True: reads change nothing (Dataset::concurrent_reads).
  bool concurrent_reads() const override { return true; }

  const Tensor<T>& features() const { return features_; }
  const std::vector<std::size_t>& labels() const { return labels_; }

 private:
  Tensor<T> features_;
  std::vector<std::size_t> labels_;
  std::size_t num_classes_;
  Shape shape_;
};

/// All images of `set` as one tensor: (N, H*W) if format.flatten, else (N, 1, H, W); values x/255
/// if format.normalize, else 0..255.
template <typename T>
Tensor<T> images_tensor(const ByteImageSet& set, const ImageFormat& format = {});

/// Labels as one-hot rows: (N, num_classes), 1 at each item's class, 0 elsewhere.
template <typename T>
Tensor<T> one_hot_tensor(const ByteImageSet& set);

/// Labels as class indices (N values).
std::vector<std::size_t> label_indices(const ByteImageSet& set);

/// The first n items of `set` (the book's x_train[:n]), or `set` itself when n is 0 or covers it all.
/// The returned set holds its own copy of those items' bytes.
std::shared_ptr<const ByteImageSet> first_items(const std::shared_ptr<const ByteImageSet>& set, std::size_t n);

}  // namespace minidl
