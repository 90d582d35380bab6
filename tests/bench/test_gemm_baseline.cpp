// bench/gemm_baseline.hpp: the products a GEMM-only run issues, per-sample products over threads.

#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "gemm_baseline.hpp"
#include "minidl/detail/blas.hpp"

namespace {

// Restores one thread when a test ends, pass or fail.
struct ThreadsGuard {
  ~ThreadsGuard() { minidl::blas::set_threads(1); }
};

}  // namespace

TEST_CASE("GEMM baseline: a per-sample product sums each chunk's samples into its own partial", "[bench]") {
  ThreadsGuard guard;
  // gW (3,4) += gy_n (3,5) · col_nᵀ (5,4) over 10 samples in 4 chunks: A is 0.01, B 0.02, so each
  // sample adds 5 · 0.0002 to every element, and chunk c holds that times its sample count.
  bench::GemmShape grad{false, true, 3, 4, 5, 0.0f};
  grad.samples = 10;
  grad.chunks = 4;
  grad.a_per_thread = true;
  grad.c_per_chunk = true;
  const std::size_t per_chunk[4] = {2, 3, 2, 3};  // chunk_begin(10, 4, c): 0, 2, 5, 7, 10
  for (int threads : {1, 2}) {
    minidl::blas::set_threads(threads);
    bench::GemmRunner runner({grad});
    runner.run();
    runner.run();  // beta 0 on each chunk's first sample: a second run does not accumulate on the first
    const std::vector<float>& partials = runner.output(0);
    REQUIRE(partials.size() == 4 * 3 * 4);
    for (std::size_t c = 0; c < 4; ++c)
      for (std::size_t e = 0; e < 12; ++e)
        CHECK(partials[c * 12 + e] == Approx(per_chunk[c] * 5 * 0.0002).epsilon(1e-5));
    CHECK(runner.flops() == 2.0 * 10 * 3 * 4 * 5);
  }
}

TEST_CASE("GEMM baseline: SimpleConvNet's products are a step's, its convolutions one per sample", "[bench]") {
  const std::size_t batch = 100, FN = 30, CK = 25, P = 576, pooled = 4320;
  const std::vector<bench::GemmShape> shapes = bench::simple_conv_step_gemms(batch);
  double flops = 0;
  std::size_t per_sample = 0;
  for (const bench::GemmShape& s : shapes) {
    flops += 2.0 * double(s.samples) * double(s.m) * double(s.n) * double(s.k);
    if (s.samples > 1) {
      ++per_sample;
      CHECK(s.samples == batch);
      CHECK(s.chunks > 1);  // above the size where the step splits its samples
    }
  }
  CHECK(per_sample == 2);  // the forward and the weight gradient; conv1's input needs no gradient
  // conv forward and weight gradient per sample; fc1 forward, gW, gx; fc2 forward, gW, gx.
  const double expect = 2.0 * batch * (2.0 * FN * P * CK) + 2.0 * (3.0 * batch * pooled * 100 + 3.0 * batch * 100 * 10);
  CHECK(flops == Approx(expect).epsilon(1e-12));
  CHECK(bench::GemmRunner(shapes).flops() == Approx(expect).epsilon(1e-12));
}
