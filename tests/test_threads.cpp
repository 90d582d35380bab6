// Thread safety (docs/architecture.md, "Threads"): separate models train concurrently without
// affecting each other, one model can serve inference to several threads in eval/no-grad mode,
// and the default generator is per thread. scripts/tsan_threads.sh runs this file under
// ThreadSanitizer.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <type_traits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <minidl/minidl.hpp>
#include <minidl/detail/blas.hpp>
#include <minidl/detail/parallel.hpp>

#include <minidl/models/mlp.hpp>
#include <minidl/models/simple_conv_net.hpp>

using namespace minidl;

namespace {

// Bit-for-bit equality of two tensors (xtensor's == would fight Catch's expression decomposition).
bool same(const Tensor<float>& a, const Tensor<float>& b) { return a.shape() == b.shape() && bool(a == b); }
bool same(const Tensor<double>& a, const Tensor<double>& b) { return a.shape() == b.shape() && bool(a == b); }

// A tiny SimpleConvNet (conv -> relu -> pool -> affine -> relu -> affine).
models::SimpleConvNetConfig tiny_cnn() {
  models::SimpleConvNetConfig c;
  c.height = c.width = 8;
  c.filter_num = 3;
  c.filter_size = 3;
  c.hidden = 8;
  c.classes = 3;
  return c;
}

// Trains a fresh model from `seed` for a few steps and returns its parameters' values. Everything
// random comes from the thread's own generator or the default one (per thread).
template <typename Model>
std::vector<Tensor<float>> train_copy(std::uint64_t seed, Model make, const Shape& x_shape) {
  manual_seed(seed);
  Generator gen(seed);
  auto model = make(gen);
  Adam<float> opt(model->parameters(), 0.01);
  const Var x = randn<float>(x_shape);  // the default generator: per thread
  std::vector<std::size_t> t(x_shape[0]);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = i % 3;
  for (int step = 0; step < 5; ++step) {
    opt.zero_grad();
    softmax_cross_entropy((*model)(x), t).backward();
    opt.step();
  }
  std::vector<Tensor<float>> values;
  for (const auto& p : model->parameters()) values.push_back(p.data());
  return values;
}

auto make_mlp = [](Generator& gen) {
  return std::make_shared<models::MLP<float>>(std::vector<std::size_t>{12, 16, 3}, gen);
};
auto make_cnn = [](Generator& gen) { return std::make_shared<models::SimpleConvNet<float>>(gen, tiny_cnn()); };

}  // namespace

TEST_CASE("two threads train separate models at once, each exactly as if alone", "[threads]") {
  // Alone, one after the other: the reference.
  const auto mlp_alone = train_copy(1, make_mlp, {6, 12});
  const auto cnn_alone = train_copy(2, make_cnn, {4, 1, 8, 8});
  // Together: an MLP and a CNN on two threads, plus a second MLP on this one.
  std::vector<Tensor<float>> mlp_thread, cnn_thread, mlp_here;
  std::thread a([&] { mlp_thread = train_copy(1, make_mlp, {6, 12}); });
  std::thread b([&] { cnn_thread = train_copy(2, make_cnn, {4, 1, 8, 8}); });
  mlp_here = train_copy(1, make_mlp, {6, 12});
  a.join();
  b.join();
  REQUIRE(mlp_thread.size() == mlp_alone.size());
  REQUIRE(cnn_thread.size() == cnn_alone.size());
  for (std::size_t i = 0; i < mlp_alone.size(); ++i) {
    CHECK(same(mlp_thread[i], mlp_alone[i]));
    CHECK(same(mlp_here[i], mlp_alone[i]));
  }
  for (std::size_t i = 0; i < cnn_alone.size(); ++i) CHECK(same(cnn_thread[i], cnn_alone[i]));
  // Training changed the parameters (the comparison above is not between untouched initial values).
  Generator gen(1);
  const auto initial = make_mlp(gen)->parameters();
  CHECK_FALSE(same(initial[0].data(), mlp_alone[0]));
}

TEST_CASE("one model serves inference to several threads in eval mode under NoGradGuard", "[threads]") {
  Generator gen(3);
  models::SimpleConvNet<float> net(gen, tiny_cnn());
  net.eval();
  const Var x = randn<float>({5, 1, 8, 8}, gen);
  Tensor<float> reference;
  {
    NoGradGuard no_grad;
    reference = net(x).data();
  }
  constexpr int kThreads = 3;
  std::vector<Tensor<float>> outputs(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      NoGradGuard no_grad;  // grad mode is per thread: each reader turns recording off itself
      for (int rep = 0; rep < 4; ++rep) outputs[i] = net(x).data();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& out : outputs) CHECK(same(out, reference));
}

TEST_CASE("the default generator is per thread: seeding one thread does not move another's stream", "[threads]") {
  manual_seed(7);
  const Tensor<double> here_first = randn<double>({4}).data();
  Tensor<double> there;
  std::thread t([&] {
    manual_seed(7);
    there = randn<double>({4}).data();
  });
  t.join();
  CHECK(same(there, here_first));  // same seed, same stream, on either thread
  manual_seed(7);
  CHECK(same(randn<double>({4}).data(), here_first));  // the other thread's draws did not advance ours
}

// minidl's own work split (detail/parallel.hpp).

namespace {

// Sets minidl's thread count for one scope (not OpenBLAS's: it is not built for ThreadSanitizer).
struct ParallelThreads {
  explicit ParallelThreads(int n) : before(detail::parallel_threads()) { detail::set_parallel_threads(n); }
  ~ParallelThreads() { detail::set_parallel_threads(before); }
  int before;
};

// A SimpleConvNet step big enough that conv and pooling split into chunks (batch 16, 28x28, 8
// filters): the loss and every parameter gradient.
std::vector<Tensor<float>> conv_step_results() {
  models::SimpleConvNetConfig c;
  c.filter_num = 8;
  c.hidden = 16;
  Generator gen(3);
  models::SimpleConvNet<float> net(gen, c);
  Generator data_gen(4);
  const Var x = randn<float>({16, 1, 28, 28}, data_gen);
  std::vector<std::size_t> t(16);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = i % 10;
  Var loss = softmax_cross_entropy(net(x), t);
  loss.backward();
  std::vector<Tensor<float>> out{loss.data()};
  for (auto& p : net.parameters()) out.push_back(p.grad().data());
  return out;
}

}  // namespace

TEST_CASE("parallel_chunks runs every chunk exactly once at any thread count", "[threads][parallel]") {
  for (int threads : {1, 2, 3}) {
    ParallelThreads scope(threads);
    std::vector<std::atomic<int>> runs(37);
    detail::parallel_chunks(runs.size(), [&](std::size_t i) { runs[i].fetch_add(1); });
    for (std::size_t i = 0; i < runs.size(); ++i) {
      INFO(threads << " threads, chunk " << i);
      CHECK(runs[i].load() == 1);
    }
  }
}

namespace {

// Waits until `ready()` holds, for at most `limit`; false on time-out (a test then fails instead of
// hanging).
template <typename F>
bool wait_for(F&& ready, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

TEST_CASE("parallel_chunks gives each thread its own contiguous share first, the caller the first one",
          "[threads][parallel]") {
  for (int threads : {2, 3}) {
    INFO(threads << " threads");
    ParallelThreads scope(threads);
    // Two chunks per thread. Every chunk waits until each share's chunk of the same rank has
    // started, so no thread can run ahead and take another's chunk: the shares are then exactly
    // {0, 1}, {2, 3}, ... With chunks claimed in one global order instead, the caller's chunk 0 and
    // a worker's chunk 1 would wait for each other's shares and time out.
    const std::size_t chunks = 2 * static_cast<std::size_t>(threads);
    std::vector<std::atomic<int>> started(chunks);
    std::vector<std::thread::id> ran_on(chunks);
    std::atomic<bool> timed_out{false};
    detail::parallel_chunks(chunks, [&](std::size_t i) {
      ran_on[i] = std::this_thread::get_id();
      started[i].store(1);
      const std::size_t rank = i % 2;
      const bool all_started = wait_for([&] {
        for (std::size_t first = rank; first < chunks; first += 2) {
          if (!started[first].load()) return false;
        }
        return true;
      });
      if (!all_started) timed_out = true;
    });
    REQUIRE_FALSE(timed_out.load());
    CHECK(ran_on[0] == std::this_thread::get_id());
    for (std::size_t share = 0; share < chunks / 2; ++share) {
      INFO("share " << share);
      CHECK(ran_on[2 * share] == ran_on[2 * share + 1]);
      for (std::size_t other = 0; other < share; ++other) CHECK(ran_on[2 * share] != ran_on[2 * other]);
    }
  }
}

TEST_CASE("parallel_chunks: a thread held up loses the end of its share to the others", "[threads][parallel]") {
  ParallelThreads scope(2);
  // Shares {0, 1} (the caller) and {2, 3}. Chunk 0 waits until a worker has started chunk 2, and
  // chunk 2 holds that worker until chunk 3 is done, which only the caller, taking chunk 3 from the
  // end of the worker's share, can do.
  std::vector<std::atomic<int>> started(4), done(4);
  std::vector<std::thread::id> ran_on(4);
  std::atomic<bool> timed_out{false};
  detail::parallel_chunks(4, [&](std::size_t i) {
    ran_on[i] = std::this_thread::get_id();
    started[i].store(1);
    if (i == 0 && !wait_for([&] { return started[2].load() == 1; })) timed_out = true;
    if (i == 2 && !wait_for([&] { return done[3].load() == 1; })) timed_out = true;
    done[i].fetch_add(1);
  });
  REQUIRE_FALSE(timed_out.load());
  for (auto& d : done) CHECK(d.load() == 1);
  CHECK(ran_on[0] == std::this_thread::get_id());
  CHECK(ran_on[2] != ran_on[0]);
  CHECK(ran_on[3] == ran_on[0]);
}

TEST_CASE("parallel_chunks rethrows a chunk's exception after the other chunks ran", "[threads][parallel]") {
  ParallelThreads scope(2);
  std::vector<std::atomic<int>> runs(8);
  CHECK_THROWS_WITH(detail::parallel_chunks(runs.size(),
                                            [&](std::size_t i) {
                                              runs[i].fetch_add(1);
                                              if (i == 5) throw std::runtime_error("chunk 5 failed");
                                            }),
                    "chunk 5 failed");
  for (auto& r : runs) CHECK(r.load() == 1);
  // The pool still works afterwards.
  std::atomic<int> total{0};
  detail::parallel_chunks(4, [&](std::size_t) { total.fetch_add(1); });
  CHECK(total.load() == 4);
}

TEST_CASE("parallel_chunks from several threads at once, and nested, all complete", "[threads][parallel]") {
  ParallelThreads scope(2);
  constexpr int kCallers = 3;
  std::vector<long> sums(kCallers, 0);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int rep = 0; rep < 20; ++rep) {
        std::vector<long> part(6, 0);
        detail::parallel_chunks(part.size(), [&](std::size_t i) {
          // A nested call runs serially on the thread that makes it.
          std::vector<long> inner(3, 0);
          detail::parallel_chunks(inner.size(), [&](std::size_t j) { inner[j] = static_cast<long>(i * 10 + j); });
          part[i] = inner[0] + inner[1] + inner[2];
        });
        for (long p : part) sums[c] += p;
      }
    });
  }
  for (auto& t : callers) t.join();
  // Σ_i (30 i + 3) over i < 6 = 30·15 + 18 = 468, twenty times.
  for (long s : sums) CHECK(s == 20 * 468);
}

TEST_CASE("a conv net step is bit-identical at 1, 2 and 3 threads", "[threads][parallel]") {
  std::vector<Tensor<float>> one;
  {
    ParallelThreads scope(1);
    one = conv_step_results();
  }
  for (int threads : {2, 3}) {
    ParallelThreads scope(threads);
    const std::vector<Tensor<float>> many = conv_step_results();
    REQUIRE(many.size() == one.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
      INFO(threads << " threads, result " << i << " (0 = loss, then parameter gradients)");
      CHECK(same(many[i], one[i]));
    }
  }
}

TEST_CASE("a DataLoader fills shuffled batches over threads: the same batches as on one", "[threads][parallel]") {
  // 400 byte images of 784 values: every batch of 100 is split across the threads.
  auto images = std::make_shared<ByteImageSet>();
  images->item_shape = {28, 28};
  for (std::size_t k = 0; k < 400 * 784; ++k) images->pixels.push_back(static_cast<std::uint8_t>((k * 13) % 251));
  for (std::size_t i = 0; i < 400; ++i) images->labels.push_back(static_cast<std::uint8_t>(i % 10));
  const ByteImageDataset<float> data(images);
  LoaderOptions options;
  options.batch_size = 100;
  options.seed = 3;
  auto epochs = [&] {
    DataLoader<float> loader(data, options);
    std::vector<Tensor<float>> out;
    for (int epoch = 0; epoch < 2; ++epoch) {
      loader.start_epoch();
      for (std::size_t b = 0; b < loader.num_batches(); ++b) out.push_back(loader.batch(b).features());
    }
    return out;
  };
  std::vector<Tensor<float>> one;
  {
    ParallelThreads scope(1);
    one = epochs();
  }
  ParallelThreads scope(2);
  const std::vector<Tensor<float>> two = epochs();
  REQUIRE(two.size() == one.size());
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(same(two[i], one[i]));
}

TEST_CASE("background work: idle workers take its chunks, finish completes and rethrows", "[threads][parallel]") {
  ParallelThreads scope(2);
  struct Work {
    std::vector<std::atomic<int>> runs = std::vector<std::atomic<int>>(6);
    std::atomic<int> off_caller{0};
    std::thread::id caller = std::this_thread::get_id();
    std::size_t throw_at = 99;
  } w;
  auto call = [](void* ctx, std::size_t i) {
    Work& work = *static_cast<Work*>(ctx);
    ++work.runs[i];
    if (std::this_thread::get_id() != work.caller) ++work.off_caller;
    CHECK(detail::inside_parallel_chunk());  // nested splits run serially
    if (i == work.throw_at) throw std::runtime_error("chunk " + std::to_string(i) + " failed");
  };
  REQUIRE(detail::start_background(6, call, &w));
  CHECK_FALSE(detail::start_background(1, call, &w));  // one background job at a time
  // The caller does not take part until finish: the idle worker must get to the chunks by itself.
  for (int spin = 0; spin < 5000 && w.off_caller.load() == 0; ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(w.off_caller.load() > 0);
  detail::finish_background();
  for (auto& r : w.runs) CHECK(r.load() == 1);

  // A chunk's exception comes out of finish, after every chunk ran; the pool takes a new job after.
  Work failing;
  failing.throw_at = 2;
  REQUIRE(detail::start_background(6, call, &failing));
  CHECK_THROWS_WITH(detail::finish_background(), "chunk 2 failed");
  for (auto& r : failing.runs) CHECK(r.load() == 1);
  Work again;
  REQUIRE(detail::start_background(6, call, &again));
  detail::finish_background();
  for (auto& r : again.runs) CHECK(r.load() == 1);

  // Nothing starts on one thread, or from inside a chunk: the caller does that work itself.
  {
    ParallelThreads one(1);
    CHECK_FALSE(detail::start_background(6, call, &w));
  }
  std::atomic<int> nested_started{0};
  detail::parallel_chunks(2, [&](std::size_t) {
    if (detail::start_background(1, call, &w)) ++nested_started;
  });
  CHECK(nested_started.load() == 0);
}

TEST_CASE("background work and split jobs from the caller interleave, and every chunk of both runs once",
          "[threads][parallel]") {
  ParallelThreads scope(2);
  std::vector<std::atomic<int>> background(64);
  auto call = [](void* ctx, std::size_t i) {
    auto& runs = *static_cast<std::vector<std::atomic<int>>*>(ctx);
    ++runs[i];
    volatile double x = 0;  // a little work, so that the worker is inside a chunk now and then
    for (int k = 0; k < 2000; ++k) x = x + std::sqrt(double(k));
  };
  REQUIRE(detail::start_background(background.size(), call, &background));
  for (int job = 0; job < 50; ++job) {
    std::vector<std::atomic<int>> foreground(8);
    detail::parallel_chunks(foreground.size(), [&](std::size_t i) { ++foreground[i]; });
    for (auto& r : foreground) REQUIRE(r.load() == 1);
  }
  detail::finish_background();
  for (auto& r : background) CHECK(r.load() == 1);
}

namespace {

// 40 items of 3 values (item i holds i, i + 0.25, i + 0.5; label i % 4) that records which threads
// read it and can fail on one item: a stand-in for a user's dataset.
class WatchedDataset : public Dataset<float> {
 public:
  explicit WatchedDataset(bool concurrent, std::size_t fail_item = 1000) : concurrent_(concurrent), fail_(fail_item) {}
  std::size_t size() const override { return 40; }
  const Shape& item_shape() const override { return shape_; }
  std::size_t num_classes() const override { return 4; }
  std::size_t get(std::size_t i, float* features) const override {
    if (i >= size()) throw std::out_of_range("WatchedDataset: item " + std::to_string(i));
    for (std::size_t k = 0; k < 3; ++k) features[k] = float(i) + 0.25f * float(k);
    return i % 4;
  }
  std::size_t label(std::size_t i) const override { return i % 4; }
  void get_batch(const std::size_t* items, std::size_t n, float* features, std::size_t* labels) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads_.push_back(std::this_thread::get_id());
      for (std::size_t r = 0; r < n; ++r) seen_.push_back(items[r]);
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (items[r] == fail_) throw std::runtime_error("WatchedDataset: item " + std::to_string(fail_) + " is corrupt");
      labels[r] = get(items[r], features + r * 3);
    }
  }
  bool concurrent_reads() const override { return concurrent_; }

  std::size_t items_seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_.size();
  }
  bool read_only_on(std::thread::id id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& t : threads_)
      if (t != id) return false;
    return true;
  }

 private:
  bool concurrent_;
  std::size_t fail_;
  Shape shape_{3};
  mutable std::mutex mutex_;
  mutable std::vector<std::thread::id> threads_;
  mutable std::vector<std::size_t> seen_;
};

// Waits (up to 5 s) until `data` has seen `items` items.
bool wait_for_items(const WatchedDataset& data, std::size_t items) {
  return wait_for([&] { return data.items_seen() >= items; }, std::chrono::seconds(5));
}

}  // namespace

TEST_CASE("a DataLoader fills the next batch in the background: the same batches, its error with that batch",
          "[threads][parallel][dataloader]") {
  LoaderOptions options;
  options.batch_size = 8;
  options.seed = 5;
  options.one_hot = true;
  // The reference: one thread, every batch filled when asked for.
  WatchedDataset plain(true);
  std::vector<Batch<float>> expect;
  {
    ParallelThreads one(1);
    DataLoader<float> loader(plain, options);
    for (int epoch = 0; epoch < 2; ++epoch) {
      loader.start_epoch();
      for (std::size_t b = 0; b < loader.num_batches(); ++b) expect.push_back(loader.batch(b));
    }
  }
  ParallelThreads scope(2);
  SECTION("the next batch is read while the caller computes, and every batch is as on one thread") {
    WatchedDataset data(true);
    DataLoader<float> loader(data, options);
    std::size_t k = 0;
    for (int epoch = 0; epoch < 2; ++epoch) {
      loader.start_epoch();
      for (std::size_t b = 0; b < loader.num_batches(); ++b, ++k) {
        const Batch<float>& got = loader.batch(b);
        CHECK(same(got.features(), expect[k].features()));
        CHECK(same(got.one_hot, expect[k].one_hot));
        CHECK(got.labels == expect[k].labels);
        CHECK(got.indices == expect[k].indices);
        CHECK(got.step == b);
        // Before the caller asks for batch b+1, an idle thread reads its items.
        if (b + 1 < loader.num_batches()) CHECK(wait_for_items(data, 8 * (k + 2)));
      }
    }
    CHECK_FALSE(data.read_only_on(std::this_thread::get_id()));
  }
  SECTION("an error reading the next batch is thrown by the call for it, which then fills it again") {
    const std::size_t bad = expect[1].indices[3];  // batch 1 of the first epoch holds it
    WatchedDataset data(true, bad);
    DataLoader<float> loader(data, options);
    loader.start_epoch();
    CHECK(same(loader.batch(0).features(), expect[0].features()));
    CHECK_THROWS_WITH(loader.batch(1), "WatchedDataset: item " + std::to_string(bad) + " is corrupt");
    // Batch 0 is still the current batch, whole; batch 1 fails again; batch 2 is fine.
    CHECK(same(loader.batch(0).features(), expect[0].features()));
    CHECK_THROWS_WITH(loader.batch(1), "WatchedDataset: item " + std::to_string(bad) + " is corrupt");
    CHECK(same(loader.batch(2).features(), expect[2].features()));
  }
  SECTION("a batch the caller keeps is not overwritten by the background fills after it") {
    WatchedDataset data(true);
    DataLoader<float> loader(data, options);
    loader.start_epoch();
    const Batch<float> kept = loader.batch(0);
    for (std::size_t b = 1; b < loader.num_batches(); ++b) CHECK(same(loader.batch(b).features(), expect[b].features()));
    CHECK(same(kept.features(), expect[0].features()));
  }
  SECTION("a dataset without concurrent reads is read only on the caller's thread") {
    WatchedDataset data(false);
    DataLoader<float> loader(data, options);
    loader.start_epoch();
    for (std::size_t b = 0; b < loader.num_batches(); ++b) CHECK(same(loader.batch(b).features(), expect[b].features()));
    CHECK(data.read_only_on(std::this_thread::get_id()));
  }
  SECTION("a loader destroyed, restarted or reset with a fill under way") {
    WatchedDataset data(true);
    {
      DataLoader<float> loader(data, options);
      loader.start_epoch();
      loader.batch(0);
    }  // the destructor waits for the fill of batch 1
    DataLoader<float> loader(data, options);
    loader.start_epoch();
    loader.batch(0);
    loader.start_epoch();  // a new order: the fill of the old batch 1 is dropped
    CHECK(same(loader.batch(1).features(), expect[loader.num_batches() + 1].features()));
    loader.reset();
    loader.start_epoch();
    CHECK(same(loader.batch(0).features(), expect[0].features()));
    CHECK(same(loader.batch(3).features(), expect[3].features()));  // not the next one: filled here
  }
}

TEMPLATE_TEST_CASE("large products split over threads: reproducible per count, within rounding across counts",
                   "[threads][parallel][blas]", float, double) {
  using T = TestType;
  // Shapes past the split threshold (2^21 multiply-adds): by rows, by columns (few rows), along k
  // (k at least both sides of C: 2, 3 or 4 parts, a ragged last slab), deep but cut by columns
  // (128x512x512 with Bᵀ, W2's input gradient), odd extents that leave a ragged last part, every
  // transpose flag, beta 0 and 1, and strided storage (leading dimensions larger than the extents).
  struct Case {
    std::size_t m, n, k;
  };
  const std::vector<Case> cases = {{100, 100, 784}, {784, 100, 100}, {9, 4096, 128}, {203, 517, 61},
                                   {700, 512, 128}, {48, 64, 1100}, {64, 64, 2000}, {128, 512, 512}};
  const double eps = std::is_same<T, float>::value ? 1.2e-7 : 2.3e-16;
  Generator gen(21);
  for (const Case& s : cases) {
    for (int flags = 0; flags < 4; ++flags) {
      const bool ta = flags & 1, tb = flags & 2;
      const std::size_t lda = (ta ? s.m : s.k) + 3, ldb = (tb ? s.k : s.n) + 5, ldc = s.n + 2;
      const Tensor<T> a = uniform_tensor<T>({ta ? s.k : s.m, lda}, gen, -1, 1);
      const Tensor<T> b = uniform_tensor<T>({tb ? s.n : s.k, ldb}, gen, -1, 1);
      const Tensor<T> c0 = uniform_tensor<T>({s.m, ldc}, gen, -1, 1);
      const auto A = [&](std::size_t r, std::size_t q) { return double(ta ? a(q, r) : a(r, q)); };
      const auto B = [&](std::size_t q, std::size_t col) { return double(tb ? b(col, q) : b(q, col)); };
      for (T beta : {T(0), T(1)}) {
        const auto product = [&](int threads) {
          ParallelThreads scope(threads);
          Tensor<T> c = c0;
          blas::gemm<T>(ta, tb, s.m, s.n, s.k, T(0.5), a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
          return c;
        };
        const Tensor<T> one = product(1);
        for (int threads : {2, 3, 4}) {
          INFO(s.m << "x" << s.n << "x" << s.k << " ta=" << ta << " tb=" << tb << " beta=" << beta << ", " << threads
                   << " threads");
          const Tensor<T> many = product(threads);
          CHECK(same(product(threads), many));  // bit-reproducible at one thread count
          // Within rounding of the single-threaded product, on a sample of rows (every column):
          // |Δ| ≤ 4·k·eps·Σ_q |a·b|, the worst-case bound of two k-term float sums.
          for (std::size_t r : {std::size_t(0), s.m / 3, s.m - 1}) {
            for (std::size_t col = 0; col < s.n; ++col) {
              double magnitude = std::abs(double(beta) * double(c0(r, col)));
              for (std::size_t q = 0; q < s.k; ++q) magnitude += 0.5 * std::abs(A(r, q) * B(q, col));
              const double diff = std::abs(double(many(r, col)) - double(one(r, col)));
              if (diff > 4.0 * double(s.k) * eps * magnitude) FAIL("row " << r << " column " << col << ": " << diff);
            }
          }
        }
        // And the product is right: one element against a direct sum.
        const std::size_t r = s.m / 2, col = s.n - 1;
        double direct = double(beta) * double(c0(r, col));
        for (std::size_t q = 0; q < s.k; ++q) direct += 0.5 * A(r, q) * B(q, col);
        CHECK(double(one(r, col)) == Approx(direct).epsilon(1e-4));
      }
    }
  }
}

TEMPLATE_TEST_CASE("a product cut across C's columns equals its halves computed alone, bit for bit",
                   "[threads][parallel][blas]", float, double) {
  using T = TestType;
  // At 2 threads these are cut across C's columns into two halves (a 64-column boundary): W2's
  // input gradient g·Wᵀ, and a wide C with few rows. The second half is computed in a scratch
  // block and copied in; that must not change a bit, for beta 0 and 1 and a strided C.
  struct Case {
    std::size_t m, n, k;
    bool tb;
  };
  Generator gen(23);
  for (const Case& s : {Case{128, 512, 512, true}, Case{9, 4096, 128, false}}) {
    const std::size_t lda = s.k + 3, ldb = (s.tb ? s.k : s.n) + 5, ldc = s.n + 2, half = s.n / 2;
    const Tensor<T> a = uniform_tensor<T>({s.m, lda}, gen, -1, 1);
    const Tensor<T> b = uniform_tensor<T>({s.tb ? s.n : s.k, ldb}, gen, -1, 1);
    const Tensor<T> c0 = uniform_tensor<T>({s.m, ldc}, gen, -1, 1);
    for (T beta : {T(0), T(1)}) {
      INFO(s.m << "x" << s.n << "x" << s.k << " tb=" << s.tb << " beta=" << beta);
      Tensor<T> split = c0;
      {
        ParallelThreads scope(2);
        blas::gemm<T>(false, s.tb, s.m, s.n, s.k, T(0.5), a.data(), lda, b.data(), ldb, beta, split.data(), ldc);
      }
      Tensor<T> halves = c0;
      {
        ParallelThreads scope(1);
        for (std::size_t lo : {std::size_t(0), half}) {
          const T* b_half = b.data() + (s.tb ? lo * ldb : lo);
          blas::gemm<T>(false, s.tb, s.m, half, s.k, T(0.5), a.data(), lda, b_half, ldb, beta, halves.data() + lo, ldc);
        }
      }
      CHECK(same(split, halves));
    }
  }
}

TEST_CASE("graphs built on one thread are freed on another while the first keeps building", "[threads]") {
  // Nodes, their lists and closures come from per-thread caches and go back to the cache of the
  // thread that frees them: nothing is shared between the caches, so this must be race-free
  // (ThreadSanitizer) and leak- and double-free-free (AddressSanitizer), and gradients unchanged.
  Generator gen(5);
  const Variable<float> w = randn<float>({16, 16}, gen, 0.0, 0.1, true);
  sum(relu(matmul(w, w))).backward();
  const Tensor<float> single = w.grad().data();
  w.clear_grad();

  constexpr int kGraphs = 200;
  std::mutex mutex;
  std::vector<Variable<float>> handed_over;
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    for (;;) {
      std::vector<Variable<float>> batch;
      {
        std::lock_guard<std::mutex> lock(mutex);
        batch.swap(handed_over);
      }
      batch.clear();  // frees those graphs here, on the consumer thread
      if (done.load() && batch.empty()) {
        std::lock_guard<std::mutex> lock(mutex);
        if (handed_over.empty()) break;
      }
    }
  });
  Variable<float> kept;
  for (int i = 0; i < kGraphs; ++i) {
    Variable<float> y = sum(relu(matmul(w, w)));
    if (i == kGraphs - 1) {
      kept = y;
      break;
    }
    std::lock_guard<std::mutex> lock(mutex);
    handed_over.push_back(std::move(y));
  }
  done.store(true);
  consumer.join();
  kept.backward();  // the one graph still alive differentiates as if alone
  const Tensor<float>& g = w.grad().data();
  for (std::size_t i = 0; i < g.size(); ++i) REQUIRE(g.data()[i] == single.data()[i]);
}
