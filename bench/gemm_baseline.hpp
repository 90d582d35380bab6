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
};

/// The products of one training step of an MLP with layer sizes `sizes` on a batch of `batch`:
/// per layer forward y = x·W (beta 1), backward gW = xᵀ·gy and, for every layer but the first
/// (whose input needs no gradient), gx = gy·Wᵀ.
std::vector<GemmShape> mlp_step_gemms(const std::vector<std::size_t>& sizes, std::size_t batch);

/// The products of one SimpleConvNet step (1x28x28 input, 30 filters 5x5, stride 1, no padding,
/// 2x2 pooling, hidden 100, 10 classes), with the per-sample im2col shapes of the fused
/// conv2d_max_pool2d: per sample, forward y_n (FN, P) = W (FN, CK) · col (CK, P) and backward
/// gW (FN, CK) += gy_n · colᵀ; no input gradient for conv1; then the two affine layers as in
/// mlp_step_gemms. Buffers are shared where the step reuses one (so the baseline keeps them in
/// cache as the step does): the column matrix, the filters, the sample's convolution output block
/// (pooled from cache in the step), the sample's scattered gradient block, the weight gradient.
std::vector<GemmShape> simple_conv_step_gemms(std::size_t batch);

/// Float32 buffers for every product of `shapes`, filled once; run() issues them all in order.
class GemmRunner {
 public:
  explicit GemmRunner(std::vector<GemmShape> shapes);
  /// Issues every product once, back to back.
  void run();
  /// Floating-point operations of one run() (2·m·n·k per product).
  double flops() const;

 private:
  std::vector<GemmShape> shapes_;
  std::vector<std::vector<float>> a_, b_, c_;  // a_[i] / b_[i] / c_[i] empty: use the group's first buffer
  std::vector<std::size_t> a_of_, b_of_, c_of_;  // which a_ / b_ / c_ entry product i reads and writes
};

}  // namespace bench
