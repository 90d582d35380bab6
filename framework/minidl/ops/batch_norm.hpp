#pragma once
// Batch normalization (the book's chapter 6, Ioffe & Szegedy 2015) as two fused ops: training mode
// (batch statistics) and evaluation mode (fixed running statistics).
//
// Layout: x is (N,C) or (N,C,H,W) (any rank >= 2 works: axis 1 is the channel axis). Statistics
// are per channel, over every other axis: over N for (N,C), over N,H,W for (N,C,H,W), as in
// PyTorch's BatchNorm1d/2d. gamma and beta are (C). The book's layer instead flattens an image
// batch to (N, C*H*W) and normalizes each pixel position separately; for (N,D) the two agree.
//
// eps: kBatchNormEps = 1e-6, the book's value (its code writes `10e-7`, which is 1e-6, not 1e-7).
// Variances are biased (divide by M = N·H·W), in the forward and in the running statistics, as in
// the book.

#include "minidl/core/variable.hpp"

namespace minidl {

/// Default epsilon added to the variance: the book's 10e-7 (= 1e-6).
constexpr double kBatchNormEps = 1e-6;

/// The per-channel batch statistics a training-mode batch_norm used: mean and BIASED variance,
/// each of shape (C). The BatchNorm module folds them into its running statistics.
template <typename T>
struct BatchNormStats {
  Tensor<T> mean;  ///< (C) Σ x / M over the non-channel axes, M = N·H·W.
  Tensor<T> var;   ///< (C) Σ (x − mean)² / M.
};

/// Training-mode batch norm with the batch's own statistics, per channel c:
///   μ_c = mean(x[:,c,...]),  σ²_c = mean((x[:,c,...] − μ_c)²),  x̂ = (x − μ_c) / √(σ²_c + eps),
///   y = γ_c · x̂ + β_c.
/// Shapes: x (N,C) or (N,C,H,W) -> y of x's shape; gamma, beta (C). M = N·H·W must be > 1 (with a
/// single value per channel x̂ is 0 and nothing is learned; use batch_norm_eval for inference).
/// Backward (M = values per channel):
///   gβ_c = Σ gy,  gγ_c = Σ gy·x̂,
///   gx = γ_c/√(σ²_c+eps) · (gy − gβ_c/M − x̂·gγ_c/M).
/// Fused: without create_graph the backward uses x̂ cached by the forward (raw loops, two passes);
/// with create_graph it recomputes the same formula from x, γ and gy with Variable ops (mean, mul,
/// sqrt, ...), so second derivatives are correct (checked by gradgradcheck in the tests).
/// If `stats` is not null it receives μ and σ² (for running statistics).
/// Throws std::invalid_argument for rank < 2, gamma/beta not (C), or M <= 1, naming the shapes.
template <typename T>
Variable<T> batch_norm(const Variable<T>& x, const Variable<T>& gamma, const Variable<T>& beta,
                       double eps = kBatchNormEps, BatchNormStats<T>* stats = nullptr);

/// Evaluation-mode batch norm with fixed statistics (constants, no gradient):
///   y = γ_c · (x − running_mean_c) / √(running_var_c + eps) + β_c,
/// an affine map per channel, deterministic and independent of the rest of the batch.
/// Shapes as batch_norm; running_mean and running_var are (C). Any batch size, including 1.
/// Backward: gx = gy·γ_c/√(var_c+eps), gγ_c = Σ gy·(x − mean_c)/√(var_c+eps), gβ_c = Σ gy,
/// written with Variable ops (differentiable again).
template <typename T>
Variable<T> batch_norm_eval(const Variable<T>& x, const Variable<T>& gamma, const Variable<T>& beta,
                            const Tensor<T>& running_mean, const Tensor<T>& running_var,
                            double eps = kBatchNormEps);

}  // namespace minidl
