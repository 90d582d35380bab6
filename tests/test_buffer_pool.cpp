// detail/buffer_pool: blocks are reused by size, aligned, counted; the cap and release work; tensors
// allocate through it; and a steady-state training step (MLP with SGD, SimpleConvNet with Adam)
// takes no tensor buffer from the system allocator.
#include <catch2/catch.hpp>

#include <cstdint>
#include <thread>
#include <vector>

#include <minidl/detail/buffer_pool.hpp>
#include <minidl/minidl.hpp>
#include <minidl/optim/adam.hpp>
#include <minidl/optim/sgd.hpp>

#include <minidl/models/mlp.hpp>
#include <minidl/models/simple_conv_net.hpp>

using namespace minidl;

namespace {

// A byte count no other test uses, so the cache holds nothing of this size when a test starts.
constexpr std::size_t kOddSize = 12345 * 64 + 7;

// Restores the cap a test changed, whatever happens in it.
struct LimitGuard {
  std::size_t saved = buffer_pool_limit();
  ~LimitGuard() { set_buffer_pool_limit(saved); }
};

// Runs `steps` training steps of model on fixed random data and returns the cache counters they
// produced, after `warmup` steps that are not counted.
template <typename Model, typename Opt>
BufferPoolStats step_counters(Model& model, Opt& opt, const Tensor<float>& x, const std::vector<std::size_t>& labels,
                              int warmup, int steps) {
  auto step = [&] {
    opt.zero_grad();
    Variable<float> loss = softmax_cross_entropy(model(Variable<float>(x)), labels);
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < warmup; ++i) step();
  reset_buffer_pool_counters();
  for (int i = 0; i < steps; ++i) step();
  return buffer_pool_stats();
}

}  // namespace

TEST_CASE("buffer pool: a freed block is handed to the next request of the same size", "[buffer_pool]") {
  reset_buffer_pool_counters();
  void* a = buffer_pool_allocate(kOddSize);
  REQUIRE(reinterpret_cast<std::uintptr_t>(a) % kBufferAlignment == 0);
  BufferPoolStats s = buffer_pool_stats();
  REQUIRE(s.system_allocations == 1);
  REQUIRE(s.reuses == 0);
  const std::size_t live = s.live_blocks;

  buffer_pool_deallocate(a, kOddSize);
  s = buffer_pool_stats();
  REQUIRE(s.live_blocks == live - 1);
  REQUIRE(s.cached_blocks >= 1);

  // Sizes that round to the same multiple of the alignment share blocks; others do not.
  void* b = buffer_pool_allocate(kOddSize + 1);
  REQUIRE(b == a);
  void* c = buffer_pool_allocate(kOddSize);
  REQUIRE(c != a);
  s = buffer_pool_stats();
  REQUIRE(s.reuses == 1);
  REQUIRE(s.system_allocations == 2);
  buffer_pool_deallocate(b, kOddSize + 1);
  buffer_pool_deallocate(c, kOddSize);

  // An empty request is still a real, distinct, aligned block.
  void* e = buffer_pool_allocate(0);
  void* f = buffer_pool_allocate(0);
  REQUIRE(e != nullptr);
  REQUIRE(e != f);
  buffer_pool_deallocate(e, 0);
  buffer_pool_deallocate(f, 0);
}

TEST_CASE("buffer pool: the cap bounds what is kept, 0 disables caching, release empties it", "[buffer_pool]") {
  LimitGuard guard;
  release_buffer_pool();
  REQUIRE(buffer_pool_stats().cached_bytes == 0);

  set_buffer_pool_limit(0);
  reset_buffer_pool_counters();
  void* a = buffer_pool_allocate(kOddSize);
  buffer_pool_deallocate(a, kOddSize);
  BufferPoolStats s = buffer_pool_stats();
  REQUIRE(s.system_frees == 1);
  REQUIRE(s.cached_blocks == 0);
  void* b = buffer_pool_allocate(kOddSize);  // nothing cached: a new block again
  REQUIRE(buffer_pool_stats().system_allocations == 2);
  buffer_pool_deallocate(b, kOddSize);

  // A cap of two blocks keeps two and frees the third.
  const std::size_t block = (kOddSize + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  set_buffer_pool_limit(2 * block);
  std::vector<void*> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(buffer_pool_allocate(kOddSize));
  reset_buffer_pool_counters();
  for (void* p : blocks) buffer_pool_deallocate(p, kOddSize);
  s = buffer_pool_stats();
  REQUIRE(s.cached_bytes == 2 * block);
  REQUIRE(s.system_frees == 1);

  // Lowering the cap frees what no longer fits; release frees the rest.
  set_buffer_pool_limit(block);
  REQUIRE(buffer_pool_stats().cached_bytes == block);
  release_buffer_pool();
  REQUIRE(buffer_pool_stats().cached_bytes == 0);
  REQUIRE(buffer_pool_stats().cached_blocks == 0);
}

TEST_CASE("buffer pool: tensors allocate through it and reuse each other's blocks", "[buffer_pool]") {
  const float* first = nullptr;
  {
    Tensor<float> t = Tensor<float>::from_shape({3, kOddSize});
    first = t.data();
    REQUIRE(reinterpret_cast<std::uintptr_t>(first) % kBufferAlignment == 0);
  }
  reset_buffer_pool_counters();
  Tensor<float> u = Tensor<float>::from_shape({kOddSize, 3});  // same element count
  REQUIRE(u.data() == first);
  REQUIRE(buffer_pool_stats().reuses == 1);
  REQUIRE(buffer_pool_stats().system_allocations == 0);
  // Copies get their own block.
  Tensor<float> v = u;
  REQUIRE(v.data() != u.data());
}

TEST_CASE("buffer pool: PooledArray owns one uninitialised block and moves it", "[buffer_pool]") {
  reset_buffer_pool_counters();
  PooledArray<std::uint32_t> a(1000);
  REQUIRE(a.size() == 1000);
  REQUIRE(reinterpret_cast<std::uintptr_t>(a.data()) % kBufferAlignment == 0);
  for (std::uint32_t i = 0; i < 1000; ++i) a.data()[i] = i;
  const std::uint32_t* p = a.data();
  PooledArray<std::uint32_t> b(std::move(a));
  REQUIRE(b.data() == p);
  REQUIRE(a.data() == nullptr);
  REQUIRE(a.size() == 0);
  REQUIRE(b.data()[999] == 999);
  PooledArray<std::uint32_t> c;
  c = std::move(b);
  REQUIRE(c.data() == p);
  REQUIRE(c.size() == 1000);
  const std::size_t live = buffer_pool_stats().live_blocks;
  { PooledArray<std::uint32_t> gone(std::move(c)); }
  REQUIRE(buffer_pool_stats().live_blocks == live - 1);
}

TEST_CASE("buffer pool: concurrent use from two threads keeps the books straight", "[buffer_pool]") {
  const std::size_t live_before = buffer_pool_stats().live_blocks;
  auto churn = [](std::size_t salt) {
    for (int i = 0; i < 2000; ++i) {
      const std::size_t bytes = 64 * (1 + (i + salt) % 7);
      void* p = buffer_pool_allocate(bytes);
      static_cast<unsigned char*>(p)[0] = 1;
      buffer_pool_deallocate(p, bytes);
    }
  };
  std::thread t1(churn, 0), t2(churn, 3);
  t1.join();
  t2.join();
  REQUIRE(buffer_pool_stats().live_blocks == live_before);
}

TEST_CASE("buffer pool: a steady-state MLP step with SGD takes no tensor buffer from the system",
          "[buffer_pool][steady_state]") {
  Generator gen(3);
  models::MLP<float> model({784, 100, 10}, gen);
  SGD<float> opt(model.parameters(), 0.1);
  const Tensor<float> x = randn_tensor<float>({100, 784}, gen);
  std::vector<std::size_t> labels(100);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = i % 10;
  const BufferPoolStats s = step_counters(model, opt, x, labels, 3, 5);
  INFO("reuses " << s.reuses << ", system allocations " << s.system_allocations);
  REQUIRE(s.reuses >= 5 * 10);  // every step does take tensors: they all come from the cache
  REQUIRE(s.system_allocations == 0);
}

TEST_CASE("buffer pool: a steady-state SimpleConvNet step with Adam takes no tensor buffer from the system",
          "[buffer_pool][steady_state]") {
  Generator gen(4);
  models::SimpleConvNetConfig config;
  config.height = config.width = 12;
  config.filter_num = 4;
  config.filter_size = 3;
  config.hidden = 16;
  models::SimpleConvNet<float> model(gen, config);
  Adam<float> opt(model.parameters(), 0.001);
  const Tensor<float> x = randn_tensor<float>({8, 1, 12, 12}, gen);
  std::vector<std::size_t> labels(8);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = (3 * i) % 10;
  const BufferPoolStats s = step_counters(model, opt, x, labels, 3, 5);
  INFO("reuses " << s.reuses << ", system allocations " << s.system_allocations);
  REQUIRE(s.reuses >= 5 * 20);
  REQUIRE(s.system_allocations == 0);
}
