// The per-thread caches behind allocation-free graph recording: the small-object cache (nodes,
// control blocks, closures, the engine's map entries) and the recycled Variable lists.

#include <catch2/catch.hpp>

#include <cstring>
#include <thread>
#include <vector>

#include <minidl/core/variable_lists.hpp>
#include <minidl/detail/small_object_pool.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;
using detail::small_object_allocate;
using detail::small_object_deallocate;
using detail::small_object_stats;

TEST_CASE("small-object cache: a freed block serves the next request of its size class", "[small_object]") {
  // On a fresh thread, whose cache is empty: this thread's may be full (its cap is 8 MiB) after
  // other tests' large graphs, and a full cache hands freed blocks back to the system.
  void *a = nullptr, *b = nullptr;
  detail::SmallObjectStats before, after;
  std::thread fresh([&] {
    a = small_object_allocate(200);
    std::memset(a, 0xab, 200);  // usable for its full size
    small_object_deallocate(a, 200);
    before = small_object_stats();
    b = small_object_allocate(193);  // same 16-byte class as 200 (193..208)
    after = small_object_stats();
    small_object_deallocate(b, 193);
  });
  fresh.join();  // Catch's assertions stay on this thread
  REQUIRE(b == a);
  REQUIRE(after.reuses == before.reuses + 1);
  REQUIRE(after.system_allocations == before.system_allocations);
  REQUIRE(after.cached_blocks == before.cached_blocks - 1);
}

TEST_CASE("small-object cache: large and empty requests", "[small_object]") {
  const detail::SmallObjectStats before = small_object_stats();
  void* big = small_object_allocate(detail::kSmallObjectMaxBytes + 1);  // straight from the system
  std::memset(big, 1, detail::kSmallObjectMaxBytes + 1);
  small_object_deallocate(big, detail::kSmallObjectMaxBytes + 1);
  const detail::SmallObjectStats mid = small_object_stats();
  REQUIRE(mid.system_allocations == before.system_allocations);  // not counted: the cache never saw it
  REQUIRE(mid.cached_blocks == before.cached_blocks);            // and did not keep it
  void* empty = small_object_allocate(0);
  void* other = small_object_allocate(0);
  REQUIRE(empty != nullptr);
  REQUIRE(empty != other);  // distinct blocks even for zero bytes
  small_object_deallocate(empty, 0);
  small_object_deallocate(other, 0);
}

TEST_CASE("small-object cache: a block freed on another thread goes to that thread's cache", "[small_object][threads]") {
  void* block = small_object_allocate(64);
  const detail::SmallObjectStats mine_before = small_object_stats();
  std::size_t theirs_before = 0, theirs_after = 0;
  std::thread other([&] {
    theirs_before = small_object_stats().cached_blocks;
    small_object_deallocate(block, 64);
    theirs_after = small_object_stats().cached_blocks;
  });
  other.join();
  REQUIRE(theirs_after == theirs_before + 1);
  REQUIRE(small_object_stats().cached_blocks == mine_before.cached_blocks);  // this thread's cache untouched
}

TEST_CASE("variable lists: a recycled list's buffer is handed out again, empty", "[small_object]") {
  std::vector<Variable<float>> list = detail::take_variable_list<float>(3);
  list.push_back(scalar<float>(1.0f));
  list.push_back(scalar<float>(2.0f));
  const Variable<float>* buffer = list.data();
  detail::recycle_variable_list(std::move(list));
  std::vector<Variable<float>> again = detail::take_variable_list<float>(2);
  REQUIRE(again.empty());
  REQUIRE(again.capacity() >= 2);
  again.push_back(scalar<float>(3.0f));
  REQUIRE(again.data() == buffer);
  REQUIRE(again[0].item() == 3.0f);
}

TEST_CASE("record: explicit BackwardFn, a lambda and a vector of inputs all record the same op", "[small_object]") {
  // The overloads a call can pick: brace list or vector of inputs, lambda or std::function.
  auto backward = [](const std::vector<Variable<double>>&, const Variable<double>&, const Variable<double>& gy) {
    return std::vector<Variable<double>>{mul_scalar(gy, 2.0)};
  };
  const BackwardFn<double> as_function = backward;
  const Variable<double> x = full<double>({2}, 1.0, true);
  const std::vector<Variable<double>> inputs{x};
  const std::vector<Variable<double>> ys = {
      record<double>("twice", Tensor<double>(x.data() * 2.0), {x}, backward),
      record<double>("twice", Tensor<double>(x.data() * 2.0), {x}, as_function),
      record<double>("twice", Tensor<double>(x.data() * 2.0), inputs, backward),
      record<double>("twice", Tensor<double>(x.data() * 2.0), inputs, as_function)};
  for (const auto& y : ys) {
    REQUIRE(y.op() != nullptr);
    REQUIRE(y.inputs().size() == 1);
    x.clear_grad();
    sum(y).backward();
    REQUIRE(x.grad().data()(1) == Approx(2.0));
  }
  {
    NoGradGuard off;
    const Variable<double> leaf = record<double>("twice", Tensor<double>(x.data() * 2.0), {x}, backward);
    REQUIRE(leaf.is_leaf());
    REQUIRE(leaf.data()(0) == Approx(2.0));
  }
}
