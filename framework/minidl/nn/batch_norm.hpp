#pragma once
// BatchNorm layer: learnable per-channel scale γ and shift β, plus running statistics used at
// evaluation time.

#include <string>

#include "minidl/nn/module.hpp"
#include "minidl/ops/batch_norm.hpp"

namespace minidl {

/// Batch normalization for (N,C) or (N,C,H,W) inputs with C = num_features (ops/batch_norm.hpp
/// has the formulas). Parameters "gamma" (ones) and "beta" (zeros), both (C); buffers
/// "running_mean" (zeros) and "running_var" (ones), both (C), registered with register_buffer so
/// checkpoints save and restore them.
///
/// Training mode: normalizes with the batch's statistics and then, outside the graph,
///   running = momentum · running + (1 − momentum) · batch_statistic
/// for the mean and the biased variance (the book's update, momentum 0.9).
/// Eval mode: normalizes with the running statistics: deterministic, any batch size.
///
/// One difference from the book: it starts running_var at 0, so evaluating before any training
/// divides by √eps; starting at 1 makes an untrained layer the identity (up to γ, β).
template <typename T>
class BatchNorm : public Module<T> {
 public:
  /// A layer for `num_features` channels. Throws std::invalid_argument for num_features 0,
  /// momentum outside [0, 1] or eps <= 0.
  explicit BatchNorm(std::size_t num_features, double momentum = 0.9, double eps = kBatchNormEps);
  /// y of x's shape. Throws std::invalid_argument when x is not (N, num_features, ...), e.g.
  /// "BatchNorm(100): x (4,50) has 50 channels, expected 100", or in training mode when there is
  /// only one value per channel.
  Variable<T> forward(const Variable<T>& x) override;
  /// "BatchNorm(100)".
  std::string describe() const override;

  double momentum() const { return momentum_; }
  double eps() const { return eps_; }
  std::size_t num_features() const { return num_features_; }

  Variable<T> gamma;         ///< Scale γ (C), trainable, starts at 1.
  Variable<T> beta;          ///< Shift β (C), trainable, starts at 0.
  Variable<T> running_mean;  ///< Buffer (C), starts at 0.
  Variable<T> running_var;   ///< Buffer (C), biased variances, starts at 1.

 private:
  std::size_t num_features_;
  double momentum_;
  double eps_;
};

}  // namespace minidl
