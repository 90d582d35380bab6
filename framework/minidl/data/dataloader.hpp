#pragma once
// DataLoader: turns a Dataset into mini-batches, epoch after epoch.
//
//   DataLoader<float> loader(train, {/*batch_size=*/100});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const auto& batch : loader) {   // each range-for is one epoch
//       // batch.input: the (n, 784) features as a graph leaf, batch.labels: n class indices
//       auto loss = softmax_cross_entropy(model(batch.input), batch.labels);
//     }
//
// Batches are written into buffers owned by the loader and reused on every step (no allocation in
// steady state), so a Batch reference is valid only until the next step. A copy of the Batch (or of
// its input Variable) stays valid: the loader never writes into an input that anyone else still
// holds, and fills a fresh one instead.
//
// With more than one minidl thread (blas::set_threads) and a dataset whose reads may run
// concurrently (Dataset::concurrent_reads), the loader fills batch s+1 on an idle minidl thread
// while the caller computes on batch s, into a second buffer; batch(s+1) then only waits for what
// is left of it. The batches are the same either way.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "minidl/core/random.hpp"
#include "minidl/core/tensor.hpp"
#include "minidl/core/variable.hpp"
#include "minidl/data/dataset.hpp"

namespace minidl {

/// How a DataLoader picks the items of each epoch.
enum class Sampling {
  sequential,       ///< items 0..N-1 in order
  shuffle,          ///< a fresh random permutation each epoch: every item exactly once
  with_replacement  ///< the book's training loop: each step draws batch_size items uniformly at
                    ///< random WITH replacement (np.random.choice(N, batch_size)), steps_per_epoch
                    ///< steps an epoch
};

/// DataLoader settings.
struct LoaderOptions {
  std::size_t batch_size = 100;
  Sampling sampling = Sampling::shuffle;
  bool drop_last = false;             ///< skip the final partial batch (sequential / shuffle)
  std::uint64_t seed = 0;             ///< seeds the loader's own Generator: same seed, same batches
  std::size_t steps_per_epoch = 0;    ///< with_replacement only; 0 means max(N / batch_size, 1),
                                      ///< the book's iter_per_epoch
  bool one_hot = false;               ///< also fill Batch::one_hot (n, num_classes)
};

/// One mini-batch. Tensors are contiguous row-major buffers owned by the loader.
template <typename T>
struct Batch {
  /// The features (n, item_shape...) as a constant graph leaf (no gradient): a model takes it as is,
  /// so a step reads the loader's buffer without copying it. Copying the Batch or this Variable
  /// shares the buffer; the loader then fills a fresh one for later batches rather than overwrite it.
  Variable<T> input;
  std::vector<std::size_t> labels;    ///< n class indices
  Tensor<T> one_hot;                  ///< (n, num_classes) if LoaderOptions::one_hot, else empty
  std::vector<std::size_t> indices;   ///< the dataset index of each row
  std::size_t step = 0;               ///< position of this batch within its epoch

  /// Number of items n.
  std::size_t size() const { return labels.size(); }
  /// The features' values: input's tensor.
  const Tensor<T>& features() const { return input.data(); }
};

/// Where a DataLoader is in its stream of epochs: enough to replay the current epoch's order and
/// every later one bit for bit (see DataLoader::state).
struct LoaderState {
  std::size_t epochs_started = 0;  ///< epoch() at the time of saving
  std::string generator;           ///< Generator::state() just before the current epoch drew its order
};

/// Iterates a Dataset in mini-batches. Not thread-safe; the dataset must outlive the loader.
template <typename T>
class DataLoader {
 public:
  /// Throws std::invalid_argument for batch_size 0, an empty dataset, or with_replacement on a
  /// dataset with no items.
  DataLoader(const Dataset<T>& dataset, LoaderOptions options);
  /// Waits for a next batch being filled in the background.
  ~DataLoader();
  /// Not copyable: a background fill writes into this loader's own buffers.
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// Batches per epoch: ceil(N / batch_size), or floor with drop_last (sequential / shuffle);
  /// steps_per_epoch (or its default) for with_replacement.
  std::size_t num_batches() const;
  /// Number of epochs started so far (by begin() or start_epoch()).
  std::size_t epoch() const { return epoch_; }
  const LoaderOptions& options() const { return options_; }
  const Dataset<T>& dataset() const { return dataset_; }

  /// Starts a new epoch: draws its order (shuffle) or its samples (with_replacement) from the
  /// loader's generator and increments epoch().
  void start_epoch();
  /// Fills and returns batch `step` (< num_batches()) of the current epoch. Reuses the loader's
  /// buffers: the previous batch of the same size is overwritten. Then starts filling batch step+1
  /// in the background when it can (see the top of this header); an error that fill meets is
  /// thrown by the batch(step + 1) call, as if that call had filled it.
  const Batch<T>& batch(std::size_t step);
  /// Restarts the generator from options().seed (or `seed`) and the epoch count from 0, so the
  /// following epochs replay bit for bit.
  void reset();
  void reset(std::uint64_t seed);

  /// The sampler's position, for resuming a run: a loader over the same dataset and options given
  /// it by restore() has the same current epoch order (batch(i) returns the same items) and draws
  /// the same orders after it.
  LoaderState state() const;
  /// Continues from a state() of a loader with the same dataset and options. Throws
  /// std::invalid_argument for a malformed generator state.
  void restore(const LoaderState& state);

  /// Input iterator over one epoch's batches.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch<T>*;
    using reference = const Batch<T>&;

    iterator(DataLoader* loader, std::size_t step) : loader_(loader), step_(step) {}
    reference operator*() const { return loader_->batch(step_); }
    pointer operator->() const { return &loader_->batch(step_); }
    iterator& operator++() {
      ++step_;
      return *this;
    }
    bool operator==(const iterator& o) const { return step_ == o.step_; }
    bool operator!=(const iterator& o) const { return step_ != o.step_; }

   private:
    DataLoader* loader_;
    std::size_t step_;
  };

  /// Starts a new epoch (see start_epoch) and returns its first batch's iterator; so each range-for
  /// over the loader is one epoch.
  iterator begin();
  iterator end() { return iterator(this, num_batches()); }

 private:
  Batch<T>& buffer_for(std::size_t n);
  // Sizes `b` for n items (allocating only when its size changes).
  void size_buffer(Batch<T>& b, std::size_t n);
  // Sets b.one_hot from b.labels (LoaderOptions::one_hot); throws for a label out of range.
  void fill_one_hot(Batch<T>& b) const;
  // Starts filling batch `step` into ahead_ on an idle thread; false when it cannot (one thread, a
  // dataset without concurrent reads, a partial batch).
  bool start_ahead(std::size_t step);
  // Ends the background fill, if one is open; rethrows its error only when `rethrow`.
  void finish_ahead(bool rethrow);
  static void fill_ahead_chunk(void* self, std::size_t chunk);

  const Dataset<T>& dataset_;
  LoaderOptions options_;
  Generator gen_;
  Generator epoch_start_gen_;        // gen_ just before the current epoch drew its order
  std::size_t epoch_ = 0;
  std::vector<std::size_t> order_;   // this epoch's item order (every index once, or the samples)
  Batch<T> full_;                    // reused for every batch of batch_size items
  Batch<T> partial_;                 // the last, smaller batch of an epoch
  const Batch<T>* filled_ = nullptr; // the batch whose contents are current
  std::size_t filled_step_ = 0;
  std::size_t filled_epoch_ = 0;
  Batch<T> ahead_;                   // the next full batch, filled in the background
  bool ahead_open_ = false;          // a background fill of ahead_ is running (or done, not yet joined)
  std::size_t ahead_step_ = 0, ahead_epoch_ = 0, ahead_chunks_ = 0;
};

}  // namespace minidl
