// DataLoader: batch counts, partial batches, permutations per epoch, determinism, sampling with
// replacement, buffer reuse, one-hot labels; and the Dataset implementations it reads.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <set>
#include <vector>

#include "minidl/data/dataloader.hpp"
#include "minidl/data/dataset.hpp"
#include "minidl/data/subset.hpp"
#include "minidl/detail/blas.hpp"

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
    REQUIRE(batch.features().shape()[0] == batch.size());
    for (std::size_t r = 0; r < batch.size(); ++r) {
      const std::size_t idx = batch.indices[r];
      CHECK(batch.features()(r, 1, 2) == static_cast<T>(10 * idx + 5));
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
      const std::vector<float> a_copy(a.features().begin(), a.features().end());
      const std::vector<std::size_t> a_labels = a.labels;
      const Batch<float>& b = twin.batch(s);
      REQUIRE(a_copy.size() == b.features().size());
      CHECK(std::memcmp(a_copy.data(), b.features().data(), a_copy.size() * sizeof(float)) == 0);
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
        if (!full_ptr) full_ptr = batch.features().data(), onehot_ptr = batch.one_hot.data();
        CHECK(batch.features().data() == full_ptr);
        CHECK(batch.one_hot.data() == onehot_ptr);
      } else {
        if (!partial_ptr) partial_ptr = batch.features().data();
        CHECK(batch.features().data() == partial_ptr);
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

TEST_CASE("dataloader: a batch's input is a constant leaf, never overwritten while held", "[data][loader]") {
  const auto ds = indexed_dataset<float>(12);
  LoaderOptions opt;
  opt.batch_size = 4;
  opt.sampling = Sampling::sequential;
  DataLoader<float> loader(ds, opt);
  loader.start_epoch();
  // Item i holds 10 i + k at flat position k of its (2,3) features.
  auto holds_items = [](const Variable<float>& input, std::size_t first) {
    bool ok = input.shape() == Shape{4, 2, 3};
    for (std::size_t r = 0; r < 4 && ok; ++r)
      for (std::size_t k = 0; k < 6; ++k) ok = ok && input.data().data()[r * 6 + k] == static_cast<float>(10 * (first + r) + k);
    return ok;
  };

  Variable<float> first = loader.batch(0).input;
  CHECK(first.is_leaf());
  CHECK_FALSE(first.requires_grad());
  CHECK(&first.data() == &loader.batch(0).features());  // the same tensor, not a copy
  const float* first_buffer = first.data().data();

  SECTION("a held input keeps its values; the loader fills a fresh one") {
    CHECK(holds_items(loader.batch(1).input, 4));
    CHECK(loader.batch(1).features().data() != first_buffer);
    CHECK(holds_items(loader.batch(2).input, 8));
    CHECK(holds_items(first, 0));
    const Batch<float> copy = loader.batch(0);  // a copied Batch shares its input the same way
    CHECK(holds_items(loader.batch(1).input, 4));
    CHECK(holds_items(copy.input, 0));
  }
  SECTION("once nobody else holds it, its buffer is refilled in place") {
    first = Variable<float>();
    CHECK(holds_items(loader.batch(1).input, 4));
    CHECK(loader.batch(1).features().data() == first_buffer);
  }
  SECTION("an input a caller marked for a gradient is not refilled, even once dropped") {
    first.set_requires_grad(true);
    first = Variable<float>();
    CHECK(holds_items(loader.batch(1).input, 4));
    CHECK_FALSE(loader.batch(1).input.requires_grad());
    CHECK(loader.batch(1).features().data() != first_buffer);
  }
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
  REQUIRE(to_shape(b.features().shape()) == Shape{3, 1, 2, 2});
  CHECK(b.features()(0, 0, 0, 1) == 1.0);
  CHECK(b.features()(0, 0, 1, 0) == 0.2);
  CHECK(b.features()(1, 0, 1, 1) == 4.0 / 255.0);
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

namespace {

// `count` items of 28x28 bytes in which every byte value occurs, labels i % 10.
std::shared_ptr<const ByteImageSet> every_byte_images(std::size_t count) {
  auto set = std::make_shared<ByteImageSet>();
  set->item_shape = {28, 28};
  set->pixels.resize(count * 784);
  for (std::size_t k = 0; k < set->pixels.size(); ++k) set->pixels[k] = static_cast<std::uint8_t>((k * 7 + k / 784) % 256);
  for (std::size_t i = 0; i < count; ++i) set->labels.push_back(static_cast<std::uint8_t>(i % 10));
  return set;
}

// get_batch of `items` against get() of each item, bit for bit, at 1, 2 and 3 threads.
template <typename T>
void check_batch_matches_items(const Dataset<T>& ds, const std::vector<std::size_t>& items) {
  const std::size_t numel = ds.item_numel(), n = items.size();
  std::vector<T> expected(n * numel);
  std::vector<std::size_t> expected_labels(n);
  for (std::size_t r = 0; r < n; ++r) expected_labels[r] = ds.get(items[r], expected.data() + r * numel);
  const int before = blas::threads();
  for (int threads : {1, 2, 3}) {
    INFO(threads << " threads");
    blas::set_threads(threads);
    std::vector<T> got(n * numel, T(-7));
    std::vector<std::size_t> labels(n, 99);
    ds.get_batch(items.data(), n, got.data(), labels.data());
    // Bits, not ==: a -0 for a +0 would be a difference. (memcmp must not see an empty vector's
    // null data pointer.)
    CHECK((got.empty() || std::memcmp(got.data(), expected.data(), got.size() * sizeof(T)) == 0));
    CHECK(labels == expected_labels);
  }
  blas::set_threads(before);
}

}  // namespace

TEMPLATE_TEST_CASE("ByteImageDataset: every byte converts to exactly byte / 255", "[data][loader]", float, double) {
  // The conversion divides with multiply-adds where the CPU has FMA: it must equal the division
  // for all 256 values, in get() and in get_batch().
  auto set = std::make_shared<ByteImageSet>();
  set->item_shape = {16, 16};
  for (int b = 0; b < 256; ++b) set->pixels.push_back(static_cast<std::uint8_t>(b));
  set->labels = {3};
  const ByteImageDataset<TestType> ds(set);
  std::vector<TestType> one(256), batch(256);
  ds.get(0, one.data());
  const std::size_t item = 0;
  std::size_t label = 0;
  ds.get_batch(&item, 1, batch.data(), &label);
  CHECK(label == 3);
  int wrong = 0;
  for (int b = 0; b < 256; ++b) {
    const TestType expected = static_cast<TestType>(b) / TestType(255);
    if (one[b] != expected || batch[b] != expected) {
      ++wrong;
      UNSCOPED_INFO("byte " << b << ": get " << one[b] << ", get_batch " << batch[b] << ", byte / 255 " << expected);
    }
  }
  CHECK(wrong == 0);

  ImageFormat raw;
  raw.normalize = false;
  const ByteImageDataset<TestType> raw_ds(set, raw);
  raw_ds.get(0, one.data());
  for (int b = 0; b < 256; ++b) CHECK(one[b] == static_cast<TestType>(b));
}

TEST_CASE("get_batch equals get() item by item at every thread count", "[data][loader]") {
  // 300 items of 784 values: large enough to be split across threads.
  const auto images = every_byte_images(500);
  std::vector<std::size_t> items;
  for (std::size_t r = 0; r < 300; ++r) items.push_back((r * 37 + 11) % 500);
  SECTION("bytes") { check_batch_matches_items(ByteImageDataset<float>(images), items); }
  SECTION("bytes, not normalized") {
    ImageFormat raw;
    raw.normalize = false;
    check_batch_matches_items(ByteImageDataset<double>(images, raw), items);
  }
  SECTION("tensor") {
    check_batch_matches_items(TensorDataset<float>(images_tensor<float>(*images, ImageFormat{}),
                                                   std::vector<std::size_t>(images->labels.begin(), images->labels.end()), 10),
                              items);
  }
  SECTION("subset (the base's gather on the mapped items)") {
    const ByteImageDataset<float> base(images);
    std::vector<std::size_t> reversed(500);
    for (std::size_t i = 0; i < 500; ++i) reversed[i] = 499 - i;
    check_batch_matches_items(SubsetDataset<float>(base, reversed), items);
  }
  SECTION("a small batch and an empty one") {
    check_batch_matches_items(ByteImageDataset<float>(images), {4, 2});
    check_batch_matches_items(ByteImageDataset<float>(images), {});
  }
}

TEST_CASE("get_batch: an item out of range throws before any row is written", "[data][loader]") {
  const auto images = every_byte_images(50);
  const ByteImageDataset<float> bytes(images);
  const TensorDataset<float> tensors(images_tensor<float>(*images, ImageFormat{}),
                                     std::vector<std::size_t>(images->labels.begin(), images->labels.end()), 10);
  const SubsetDataset<float> subset(bytes, {1, 2, 3});
  const std::vector<std::size_t> items = {0, 1, 50, 2};
  std::vector<float> out(4 * 784, -1.0f);
  std::vector<std::size_t> labels(4, 99);
  for (const Dataset<float>* ds : std::vector<const Dataset<float>*>{&bytes, &tensors, &subset}) {
    try {
      ds->get_batch(items.data(), items.size(), out.data(), labels.data());
      FAIL("no exception");
    } catch (const std::out_of_range& e) {
      CHECK_THAT(e.what(), Catch::Contains("index 50"));
    }
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == -1.0f; }));
    CHECK(labels == std::vector<std::size_t>(4, 99));
  }
}

TEST_CASE("dataloader: a batch that fails to fill is not returned again as the last batch", "[data][loader]") {
  // A dataset whose item 4 cannot be read: the loader's buffer is left half written (item 3 in its
  // first row), and asking
  // again for the batch before it must fill it again, not hand back the half-written buffer.
  struct Flaky : Dataset<float> {
    Shape shape{1};
    std::size_t size() const override { return 6; }
    const Shape& item_shape() const override { return shape; }
    std::size_t num_classes() const override { return 2; }
    std::size_t get(std::size_t i, float* features) const override {
      if (i == 4) throw std::runtime_error("item 4 is unreadable");
      features[0] = static_cast<float>(i);
      return i % 2;
    }
    std::size_t label(std::size_t i) const override { return i % 2; }
  } flaky;
  LoaderOptions opt;
  opt.batch_size = 3;
  opt.sampling = Sampling::sequential;
  DataLoader<float> loader(flaky, opt);
  CHECK(loader.batch(0).features()(0, 0) == 0.0f);
  CHECK_THROWS_WITH(loader.batch(1), Catch::Contains("item 4"));
  const Batch<float>& again = loader.batch(0);
  CHECK(again.features()(0, 0) == 0.0f);
  CHECK(again.features()(2, 0) == 2.0f);
}

TEST_CASE("dataloader: asks the dataset to prefetch the next batch while this one is in use", "[data][loader]") {
  // A dataset that records what it is asked to prefetch, through a subset (which maps the items).
  struct Recording : TensorDataset<double> {
    using TensorDataset<double>::TensorDataset;
    void prefetch(const std::size_t* items, std::size_t n) const override {
      asked.emplace_back(items, items + n);
      TensorDataset<double>::prefetch(items, n);
    }
    mutable std::vector<std::vector<std::size_t>> asked;
  };
  const TensorDataset<double> source = indexed_dataset<double>(24);
  const Recording base(Tensor<double>(source.features()), source.labels(), 4);
  std::vector<std::size_t> odd;
  for (std::size_t i = 1; i < 24; i += 2) odd.push_back(i);
  const SubsetDataset<double> subset(base, odd);
  LoaderOptions opt;
  opt.batch_size = 5;  // 12 items: batches of 5, 5 and 2
  opt.seed = 3;
  DataLoader<double> loader(subset, opt);
  loader.start_epoch();
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t step = 0; step < loader.num_batches(); ++step) {
    const std::size_t asked_before = base.asked.size();
    const Batch<double>& b = loader.batch(step);
    batches.push_back(b.indices);
    // Values are untouched by the hint: row r is still subset item b.indices[r].
    for (std::size_t r = 0; r < b.size(); ++r) CHECK(b.features()(r, 0, 0) == 10.0 * static_cast<double>(odd[b.indices[r]]));
    // One request per batch but the last, naming the base items of the next batch.
    CHECK(base.asked.size() == asked_before + (step + 1 < loader.num_batches() ? 1 : 0));
  }
  REQUIRE(base.asked.size() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    std::vector<std::size_t> expected;
    for (std::size_t i : batches[k + 1]) expected.push_back(odd[i]);
    CHECK(base.asked[k] == expected);
  }
  // Asking for a batch already filled asks nothing more.
  loader.batch(2);
  CHECK(base.asked.size() == 2);
  // Items out of range are skipped, not read: the hint never throws.
  const std::vector<std::size_t> wild = {0, 999999, 3};
  base.asked.clear();
  CHECK_NOTHROW(subset.prefetch(wild.data(), wild.size()));
  CHECK(base.asked == std::vector<std::vector<std::size_t>>{{1, 7}});
  CHECK_NOTHROW(base.prefetch(wild.data(), wild.size()));
  const auto images = every_byte_images(10);
  CHECK_NOTHROW(ByteImageDataset<float>(images).prefetch(wild.data(), wild.size()));
}
