// DataLoader: batch counts, partial batches, permutations per epoch, determinism, sampling with
// replacement, buffer reuse, one-hot labels; and the Dataset implementations it reads.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "minidl/data/dataloader.hpp"
#include "minidl/data/dataset.hpp"

using namespace minidl;

namespace {

// N items of shape (2, 3) whose values encode the item index: item i, value k -> 10 * i + k.
template <typename T>
TensorDataset<T> indexed_dataset(std::size_t n, std::size_t classes = 4) {
  Tensor<T> x = Tensor<T>::from_shape({n, 2, 3});
  std::vector<std::size_t> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < 6; ++k) x.data()[i * 6 + k] = static_cast<T>(10 * i + k);
    y[i] = i % classes;
  }
  return TensorDataset<T>(std::move(x), std::move(y), classes);
}

// Every item's index in one epoch, in batch order; also checks features/labels match the index.
template <typename T>
std::vector<std::size_t> epoch_indices(DataLoader<T>& loader, std::vector<std::size_t>* sizes = nullptr) {
  std::vector<std::size_t> seen;
  for (const auto& batch : loader) {
    if (sizes) sizes->push_back(batch.size());
    REQUIRE(batch.features.shape()[0] == batch.size());
    for (std::size_t r = 0; r < batch.size(); ++r) {
      const std::size_t idx = batch.indices[r];
      CHECK(batch.features(r, 1, 2) == static_cast<T>(10 * idx + 5));
      CHECK(batch.labels[r] == loader.dataset().label(idx));
      seen.push_back(idx);
    }
  }
  return seen;
}

}  // namespace

TEST_CASE("dataloader: batch counts with and without drop_last", "[data][loader]") {
  const auto ds = indexed_dataset<float>(10);
  LoaderOptions opt;
  opt.batch_size = 4;
  DataLoader<float> keep(ds, opt);
  CHECK(keep.num_batches() == 3);
  std::vector<std::size_t> sizes;
  CHECK(epoch_indices(keep, &sizes).size() == 10);
  CHECK(sizes == std::vector<std::size_t>{4, 4, 2});  // partial last batch
  CHECK(keep.epoch() == 1);

  opt.drop_last = true;
  DataLoader<float> drop(ds, opt);
  CHECK(drop.num_batches() == 2);
  sizes.clear();
  CHECK(epoch_indices(drop, &sizes).size() == 8);
  CHECK(sizes == std::vector<std::size_t>{4, 4});

  opt.batch_size = 5;  // divides evenly: no partial batch either way
  CHECK(DataLoader<float>(ds, opt).num_batches() == 2);
  opt.drop_last = false;
  CHECK(DataLoader<float>(ds, opt).num_batches() == 2);
  opt.batch_size = 32;  // larger than the dataset
  CHECK(DataLoader<float>(ds, opt).num_batches() == 1);
  opt.drop_last = true;
  CHECK(DataLoader<float>(ds, opt).num_batches() == 0);

  opt.batch_size = 0;
  CHECK_THROWS_AS(DataLoader<float>(ds, opt), std::invalid_argument);
}

TEST_CASE("dataloader: sequential order is 0..N-1", "[data][loader]") {
  const auto ds = indexed_dataset<double>(7);
  LoaderOptions opt;
  opt.batch_size = 3;
  opt.sampling = Sampling::sequential;
  DataLoader<double> loader(ds, opt);
  std::vector<std::size_t> expect(7);
  for (std::size_t i = 0; i < 7; ++i) expect[i] = i;
  CHECK(epoch_indices(loader) == expect);
  CHECK(epoch_indices(loader) == expect);
}

TEST_CASE("dataloader: shuffle gives a new permutation each epoch, reproducibly", "[data][loader]") {
  const auto ds = indexed_dataset<float>(50);
  LoaderOptions opt;
  opt.batch_size = 8;
  opt.seed = 42;
  DataLoader<float> loader(ds, opt);

  std::vector<std::vector<std::size_t>> epochs;
  for (int e = 0; e < 3; ++e) {
    auto seen = epoch_indices(loader);
    std::vector<std::size_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < 50; ++i) REQUIRE(sorted[i] == i);  // every index exactly once
    epochs.push_back(seen);
  }
  CHECK(loader.epoch() == 3);
  CHECK(epochs[0] != epochs[1]);
  CHECK(epochs[1] != epochs[2]);
  std::vector<std::size_t> identity(50);
  for (std::size_t i = 0; i < 50; ++i) identity[i] = i;
  CHECK(epochs[0] != identity);

  // Same seed, same batches bit for bit, epoch after epoch.
  DataLoader<float> twin(ds, opt);
  for (int e = 0; e < 3; ++e) {
    twin.start_epoch();
    loader.reset();
    for (int skip = 0; skip < e; ++skip) loader.start_epoch();
    loader.start_epoch();
    for (std::size_t s = 0; s < twin.num_batches(); ++s) {
      const Batch<float>& a = loader.batch(s);
      const std::vector<float> a_copy(a.features.begin(), a.features.end());
      const std::vector<std::size_t> a_labels = a.labels;
      const Batch<float>& b = twin.batch(s);
      REQUIRE(a_copy.size() == b.features.size());
      CHECK(std::memcmp(a_copy.data(), b.features.data(), a_copy.size() * sizeof(float)) == 0);
      CHECK(a_labels == b.labels);
    }
  }
  // reset() replays epoch 1, a different seed does not.
  loader.reset();
  CHECK(loader.epoch() == 0);
  CHECK(epoch_indices(loader) == epochs[0]);
  loader.reset(43);
  CHECK(epoch_indices(loader) != epochs[0]);
}

TEST_CASE("dataloader: with-replacement sampling, the book's np.random.choice", "[data][loader]") {
  const auto ds = indexed_dataset<float>(20);
  LoaderOptions opt;
  opt.batch_size = 10;
  opt.sampling = Sampling::with_replacement;
  opt.seed = 7;
  DataLoader<float> loader(ds, opt);
  CHECK(loader.num_batches() == 2);  // default: max(N / batch_size, 1), the book's iter_per_epoch
  opt.steps_per_epoch = 30;
  DataLoader<float> many(ds, opt);
  CHECK(many.num_batches() == 30);

  const auto seen = epoch_indices(many);
  REQUIRE(seen.size() == 300);
  for (auto i : seen) CHECK(i < 20);
  // 300 draws from 20 items must repeat, and should reach every item.
  const std::set<std::size_t> distinct(seen.begin(), seen.end());
  CHECK(distinct.size() == 20);
  bool repeat_within_a_batch = false;
  for (std::size_t s = 0; s < 30 && !repeat_within_a_batch; ++s) {
    std::set<std::size_t> in_batch(seen.begin() + s * 10, seen.begin() + s * 10 + 10);
    repeat_within_a_batch = in_batch.size() < 10;
  }
  CHECK(repeat_within_a_batch);  // P(no repeat in any of 30 batches) = (0.065)^30: never

  DataLoader<float> twin(ds, opt);
  CHECK(epoch_indices(twin) == seen);  // deterministic for the seed
  CHECK(epoch_indices(twin) != seen);  // and the next epoch draws afresh
}

TEST_CASE("dataloader: buffers are reused across steps and epochs", "[data][loader]") {
  const auto ds = indexed_dataset<float>(10);
  LoaderOptions opt;
  opt.batch_size = 4;
  opt.one_hot = true;
  DataLoader<float> loader(ds, opt);
  const float* full_ptr = nullptr;
  const float* partial_ptr = nullptr;
  const float* onehot_ptr = nullptr;
  for (int epoch = 0; epoch < 3; ++epoch) {
    for (const auto& batch : loader) {
      if (batch.size() == 4) {
        if (!full_ptr) full_ptr = batch.features.data(), onehot_ptr = batch.one_hot.data();
        CHECK(batch.features.data() == full_ptr);
        CHECK(batch.one_hot.data() == onehot_ptr);
      } else {
        if (!partial_ptr) partial_ptr = batch.features.data();
        CHECK(batch.features.data() == partial_ptr);
      }
      // One-hot rows match the labels (and stale ones from the previous step are cleared).
      REQUIRE(to_shape(batch.one_hot.shape()) == Shape{batch.size(), 4});
      for (std::size_t r = 0; r < batch.size(); ++r)
        for (std::size_t c = 0; c < 4; ++c)
          CHECK(batch.one_hot(r, c) == (c == batch.labels[r] ? 1.0f : 0.0f));
    }
  }
  CHECK(full_ptr != nullptr);
  CHECK(partial_ptr != nullptr);
  CHECK(full_ptr != partial_ptr);
}

TEST_CASE("dataloader: over uint8 images, normalizing into the batch", "[data][loader]") {
  ByteImageSet set;
  set.item_shape = {2, 2};
  set.pixels = {0, 255, 51, 102, /* item 1 */ 1, 2, 3, 4, /* item 2 */ 255, 255, 0, 0};
  set.labels = {2, 0, 1};
  set.num_classes = 3;
  ImageFormat fmt;
  fmt.flatten = false;
  ByteImageDataset<double> ds(std::move(set), fmt);
  CHECK(ds.item_shape() == Shape{1, 2, 2});
  LoaderOptions opt;
  opt.batch_size = 3;
  opt.sampling = Sampling::sequential;
  DataLoader<double> loader(ds, opt);
  const Batch<double>& b = loader.batch(0);
  REQUIRE(to_shape(b.features.shape()) == Shape{3, 1, 2, 2});
  CHECK(b.features(0, 0, 0, 1) == 1.0);
  CHECK(b.features(0, 0, 1, 0) == 0.2);
  CHECK(b.features(1, 0, 1, 1) == 4.0 / 255.0);
  CHECK(b.labels == std::vector<std::size_t>{2, 0, 1});
  CHECK_THROWS_AS(loader.batch(1), std::out_of_range);
  CHECK_THROWS_AS(ds.get(3, nullptr), std::out_of_range);

  ByteImageSet bad;
  bad.item_shape = {2, 2};
  bad.pixels = {1, 2, 3, 4};
  bad.labels = {5};
  bad.num_classes = 3;
  CHECK_THROWS_AS(ByteImageDataset<float>(std::move(bad)), DataError);
}

TEST_CASE("dataloader: TensorDataset validates its inputs", "[data][loader]") {
  Tensor<float> x = zeros_tensor<float>({3, 2});
  CHECK_THROWS_AS(TensorDataset<float>(x, {0, 1}), std::invalid_argument);
  CHECK_THROWS_AS(TensorDataset<float>(x, {0, 1, 5}, 3), std::invalid_argument);
  const TensorDataset<float> ok(x, {0, 1, 5});
  CHECK(ok.num_classes() == 6);
  CHECK(ok.item_shape() == Shape{2});
}

TEST_CASE("first_items takes the leading items (the book's x_train[:n])", "[data]") {
  auto set = std::make_shared<minidl::ByteImageSet>();
  set->item_shape = {2, 2};
  set->pixels = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23};
  set->labels = {7, 8, 9};
  const auto two = minidl::first_items(set, 2);
  REQUIRE(two->size() == 2);
  REQUIRE(two->labels == std::vector<std::uint8_t>{7, 8});
  REQUIRE(two->pixels == std::vector<std::uint8_t>{0, 1, 2, 3, 10, 11, 12, 13});
  REQUIRE(two->item_shape == minidl::Shape{2, 2});
  REQUIRE(minidl::first_items(set, 0) == set);   // 0 means all
  REQUIRE(minidl::first_items(set, 99) == set);  // more than there is: all
}
