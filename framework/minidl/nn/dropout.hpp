#pragma once
// Dropout layer: inverted dropout in training mode, the identity in evaluation mode.

#include <string>
#include <vector>

#include "minidl/core/random.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// Drops each unit with probability `ratio` while training and scales the kept ones by
/// 1/(1 − ratio) (inverted dropout, ops/dropout.hpp explains why this matches the book's layer,
/// which instead scales by (1 − ratio) at test time). In eval() mode forward returns x unchanged.
/// No parameters or buffers.
template <typename T>
class Dropout : public Module<T> {
 public:
  /// Masks are drawn from `gen`, which must outlive the layer (the seeded run's generator, so the
  /// same seed gives the same masks). Throws std::invalid_argument unless 0 <= ratio < 1.
  Dropout(double ratio, Generator& gen);
  /// Training: x ⊙ mask / (1 − ratio) with a fresh mask from the generator; eval: x. Any shape.
  Variable<T> forward(const Variable<T>& x) override;
  /// The drop probability.
  double ratio() const { return ratio_; }
  /// The generator masks are drawn from (its state belongs in a resumable run's checkpoint).
  Generator& generator() const { return *gen_; }
  /// "Dropout(0.5)".
  std::string describe() const override;

 private:
  double ratio_;
  Generator* gen_;
};

/// Every distinct generator the Dropout layers inside `model` (at any depth) draw masks from, in the
/// order the layers are first met (children in registration order, depth first). Saving and
/// restoring their state() is what makes a run with dropout resume bit for bit.
template <typename T>
std::vector<Generator*> dropout_generators(const Module<T>& model);

}  // namespace minidl
