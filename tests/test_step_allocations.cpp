// A steady-state training step makes no heap allocation at all: graph nodes, their input and
// gradient lists, backward closures and the backward engine's bookkeeping come from per-thread
// caches, and tensor buffers from the tensor-buffer cache.
//
// How it is counted: this test program replaces the global operator new (every C++ allocation of
// the library, of libstdc++'s containers and of std::function goes through it) with one that counts
// and forwards to malloc; tensor buffers, which bypass it (aligned blocks from the buffer cache),
// are counted by the cache's own statistics.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>
#include <vector>

#include <minidl/minidl.hpp>
#include <minidl/models/mlp.hpp>
#include <minidl/models/simple_conv_net.hpp>

namespace {
std::atomic<std::size_t> g_operator_new_calls{0};
}  // namespace

// Every non-aligned form is replaced, so that each allocation and its release go through the same
// pair (a sanitizer's own operator new must never meet this free). Not inlined into callers: GCC
// would otherwise pair a new-expression with the free() below and warn.
namespace {
void* counted_malloc(std::size_t bytes) noexcept {
  g_operator_new_calls.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(bytes ? bytes : 1);
}
}  // namespace

__attribute__((noinline)) void* operator new(std::size_t bytes) {
  if (void* p = counted_malloc(bytes)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new[](std::size_t bytes) {
  if (void* p = counted_malloc(bytes)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  return counted_malloc(bytes);
}
__attribute__((noinline)) void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept {
  return counted_malloc(bytes);
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace minidl;

namespace {

struct StepAllocations {
  std::size_t operator_new = 0;        // C++ heap allocations
  std::size_t tensor_from_system = 0;  // tensor buffers the cache could not serve
  std::size_t tensor_reuses = 0;       // tensor buffers served by the cache
};

// Runs `warmup` uncounted training steps of model on fixed data, then counts the allocations of
// `steps` more.
template <typename Model, typename Opt>
StepAllocations count_steps(Model& model, Opt& opt, const Tensor<float>& x, const std::vector<std::size_t>& labels,
                            int warmup, int steps) {
  auto step = [&] {
    opt.zero_grad();
    Variable<float> loss = softmax_cross_entropy(model(Variable<float>(x)), labels);
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < warmup; ++i) step();
  reset_buffer_pool_counters();
  const std::size_t before = g_operator_new_calls.load(std::memory_order_relaxed);
  for (int i = 0; i < steps; ++i) step();
  StepAllocations a;
  a.operator_new = g_operator_new_calls.load(std::memory_order_relaxed) - before;
  const BufferPoolStats pool = buffer_pool_stats();
  a.tensor_from_system = pool.system_allocations;
  a.tensor_reuses = pool.reuses;
  return a;
}

std::vector<std::size_t> cyclic_labels(std::size_t n, std::size_t stride) {
  std::vector<std::size_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) labels[i] = (stride * i) % 10;
  return labels;
}

}  // namespace

TEST_CASE("step allocations: the counting hook sees C++ allocations", "[steady_state][allocations]") {
  // Guards against a hook that the linker did not pick up (the tests below would then pass vacuously).
  const std::size_t before = g_operator_new_calls.load();
  std::vector<int> v(100);
  const std::size_t after = g_operator_new_calls.load();
  REQUIRE(v.size() == 100);
  REQUIRE(after - before == 1);  // the vector's buffer
}

TEST_CASE("step allocations: a steady-state MLP step with SGD makes no heap allocation",
          "[steady_state][allocations]") {
  Generator gen(3);
  models::MLP<float> model({784, 100, 50, 10}, gen);
  SGD<float> opt(model.parameters(), 0.1);
  const Tensor<float> x = randn_tensor<float>({32, 784}, gen);
  const StepAllocations a = count_steps(model, opt, x, cyclic_labels(32, 1), 3, 5);
  INFO("operator new " << a.operator_new << ", tensor buffers from the system " << a.tensor_from_system);
  REQUIRE(a.tensor_reuses >= 5 * 10);  // the steps did run and take tensors
  REQUIRE(a.operator_new == 0);
  REQUIRE(a.tensor_from_system == 0);
}

TEST_CASE("step allocations: a steady-state SimpleConvNet step with Adam makes no heap allocation",
          "[steady_state][allocations]") {
  Generator gen(4);
  models::SimpleConvNetConfig config;
  config.height = config.width = 12;
  config.filter_num = 4;
  config.filter_size = 3;
  config.hidden = 16;
  models::SimpleConvNet<float> model(gen, config);
  Adam<float> opt(model.parameters(), 0.001);
  const Tensor<float> x = randn_tensor<float>({8, 1, 12, 12}, gen);
  const StepAllocations a = count_steps(model, opt, x, cyclic_labels(8, 3), 3, 5);
  INFO("operator new " << a.operator_new << ", tensor buffers from the system " << a.tensor_from_system);
  REQUIRE(a.tensor_reuses >= 5 * 20);
  REQUIRE(a.operator_new == 0);
  REQUIRE(a.tensor_from_system == 0);
}

TEST_CASE("step allocations: a custom op with a large closure records without allocating once warm",
          "[steady_state][allocations]") {
  // A user's op written the documented way: std::vector lists, a lambda capturing more than
  // std::function keeps inline (three doubles and a shared_ptr).
  auto shared = std::make_shared<double>(0.5);
  auto scaled = [shared](const Variable<double>& x, double a, double b, double c) {
    Tensor<double> y = x.data() * (a * b * c * *shared);
    return record<double>("scaled", std::move(y), {x},
                          [a, b, c, shared](const std::vector<Variable<double>>&, const Variable<double>&,
                                            const Variable<double>& gy) {
                            return std::vector<Variable<double>>{mul_scalar(gy, a * b * c * *shared)};
                          });
  };
  Variable<double> x = full<double>({3, 4}, 2.0, true);
  const Tensor<double> seed = ones<double>({3, 4}).data();
  auto step = [&] {
    x.clear_grad();
    scaled(x, 1.0, 2.0, 3.0).backward(seed);
  };
  for (int i = 0; i < 3; ++i) step();
  REQUIRE(x.grad().data()(0, 0) == Approx(3.0));  // d/dx of 3x (1·2·3·0.5)
  const std::size_t before = g_operator_new_calls.load();
  step();
  const std::size_t made = g_operator_new_calls.load() - before;
  // The user's own gradient list (std::vector{...} in the lambda) is the one allocation left: the
  // engine recycles it, but the lambda builds a new one each time.
  INFO("operator new calls: " << made);
  REQUIRE(made <= 1);
}
