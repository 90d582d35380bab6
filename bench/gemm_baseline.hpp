#pragma once
// GEMM-only baselines: the matrix products one training step performs, issued back to back through
// minidl::blas::gemm into preallocated buffers. A step can never be faster than this, so
// step time / GEMM-only time measures everything else the framework does (graph, elementwise ops,
// allocation, the optimizer, batch gathering).

#include <cstddef>
#include <vector>

namespace bench {

/// One product C (m,n) = op(A) (m,k) · op(B) (k,n), as minidl issues it (row-major, flags for transposes).
struct GemmShape {
  bool ta = false, tb = false;
  std::size_t m = 0, n = 0, k = 0;
  float beta = 0;  ///< 1 where minidl accumulates (linear adds x·W onto the broadcast bias)
  /// Products with the same non-zero group share their B (resp. C) buffer, as the step does where
  /// it reuses one: conv2d's per-sample column matrix (B), the accumulated weight gradient (C).
  int b_group = 0, c_group = 0;
  /// Products with the same non-zero group share their A buffer: the filters W of every sample's
  /// convolution, the one cached block that holds a sample's pooled-and-scattered gradient.
  int a_group = 0;
  /// Above 1: the product is issued once per sample, for `samples` samples cut into `chunks`
  /// chunks over minidl's threads, as a convolution's sample loops are (groups then do not apply).
  /// Each thread has its own B (the column matrix) and, unless `c_per_chunk`, its own C (the
  /// sample's output block); A is shared unless `a_per_thread` (a sample's scattered gradient).
  std::size_t samples = 1, chunks = 1;
  bool a_per_thread = false;
  /// C is one accumulator per chunk (beta 0 for a chunk's first sample, 1 after), as the weight
  /// gradient sums a chunk of samples into its own partial.
  bool c_per_chunk = false;
};

/// The products of one training step of an MLP with layer sizes `sizes` on a batch of `batch`:
/// per layer forward y = x·W (beta 1), backward gW = xᵀ·gy and, for every layer but the first
/// (whose input needs no gradient), gx = gy·Wᵀ.
std::vector<GemmShape> mlp_step_gemms(const std::vector<std::size_t>& sizes, std::size_t batch);

/// The products of one SimpleConvNet step (1x28x28 input, 30 filters 5x5, stride 1, no padding,
/// 2x2 pooling, hidden 100, 10 classes), with the per-sample im2col shapes of the fused
/// conv2d_max_pool2d: per sample, forward y_n (FN, P) = W (FN, CK) · col (CK, P) and backward
/// gW (FN, CK) += gy_n · colᵀ; no input gradient for conv1; then the two affine layers as in
/// mlp_step_gemms. The per-sample products are spread over the threads in the step's chunks
/// (8 for the forward, 4 partial sums for the weight gradient), and each thread reuses its own
/// column matrix, output block and scattered-gradient block as the step does, so they stay in
/// cache.
std::vector<GemmShape> simple_conv_step_gemms(std::size_t batch);

/// Float32 buffers for every product of `shapes`, filled once; run() issues them all in order.
class GemmRunner {
 public:
  explicit GemmRunner(std::vector<GemmShape> shapes);
  /// Issues every product once, back to back (a per-sample product once per sample, its chunks
  /// over minidl's threads).
  void run();
  /// Floating-point operations of one run() (2·m·n·k per product and sample).
  double flops() const;
  /// Product i's C buffer (with `c_per_chunk`, the chunks' partials one after another; empty for
  /// a per-sample product whose C is per thread).
  const std::vector<float>& output(std::size_t i) const { return c_[c_of_[i]]; }

 private:
  std::vector<GemmShape> shapes_;
  std::vector<std::vector<float>> a_, b_, c_;  // a_[i] / b_[i] / c_[i] empty: use the group's first buffer
  std::vector<std::size_t> a_of_, b_of_, c_of_;  // which a_ / b_ / c_ entry product i reads and writes

  // One per-sample product: its chunks over the threads.
  void run_samples(std::size_t i);
};

}  // namespace bench
