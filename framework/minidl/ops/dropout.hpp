#pragma once
// Dropout (the book's chapter 6), INVERTED: kept units are scaled by 1/(1−ratio) during training so
// that evaluation is the identity.
//
// The book's Dropout layer multiplies by the 0/1 mask during training and by (1−ratio) at test
// time. Both give every unit the same expected value in training as at test time, up to one
// constant factor (1−ratio) applied to the whole layer's output; the inverted form moves that
// factor into training, where E[mask/(1−ratio)] = 1, so y = x in expectation and the test-time
// network needs no special case. The two networks compute the same function up to that constant,
// and a following Affine layer (or batch norm) absorbs it. See docs/regularization.md.

#include "minidl/core/random.hpp"
#include "minidl/core/variable.hpp"

namespace minidl {

/// A keep-mask for dropout of shape `shape`: element i is 1 when a uniform draw u_i ∈ [0,1) from
/// `gen` satisfies u_i >= ratio (probability 1 − ratio), else 0 (dropped). One draw per element, in
/// row-major order, so the same generator state gives the same mask.
/// Throws std::invalid_argument unless 0 <= ratio < 1.
template <typename T>
Tensor<T> dropout_mask(const Shape& shape, double ratio, Generator& gen);

/// Inverted dropout with a FIXED 0/1 mask (for tests and gradient checks):
///   y = x ⊙ mask / (1 − ratio),  x and mask of the same (any) shape.
/// Backward: gx = gy ⊙ mask / (1 − ratio) (a constant mask, so the second derivative is 0).
/// Throws std::invalid_argument on a shape mismatch ("dropout: x (4,3) but mask (3,4)"), a mask
/// value other than 0 or 1, or a ratio outside [0, 1).
template <typename T>
Variable<T> dropout(const Variable<T>& x, const Tensor<T>& mask, double ratio);

/// Inverted dropout with a mask drawn from `gen`: dropout(x, dropout_mask(x.shape, ratio, gen), ratio).
/// ratio = 0 returns x itself (nothing dropped, no draw). Training only: at evaluation time the
/// layer is the identity (nn/dropout.hpp does this switch).
template <typename T>
Variable<T> dropout(const Variable<T>& x, double ratio, Generator& gen);

}  // namespace minidl
