#pragma once
// Linear (the book's Affine layer): y = x · W + b.

#include "minidl/nn/init.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// A fully connected layer. W is (in, out) as in the book (x · W, not x · Wᵀ), b is (out).
/// An input of more than two axes whose last extent is `in` is mapped position by position,
/// (..., in) -> (..., out) (the book's TimeAffine: (N,T,D) -> (N,T,H)); any other input of more
/// than two axes is read as (N, in), like the book's Affine after a convolution. Both readings
/// use the input's memory in place (the op `linear`): no flattening copy either way.
template <typename T>
class Linear : public Module<T> {
 public:
  /// Creates the layer with W drawn by `init` from `gen` (stddev used by Init::Std) and b = 0.
  Linear(std::size_t in_features, std::size_t out_features, Generator& gen, Init init = Init::He,
         double stddev = 0.01);
  /// y = x · W + b for x (N, in) -> (N, out), (..., in) -> (..., out), or (N, ...) read as
  /// (N, in) -> (N, out). Throws std::invalid_argument on a width mismatch.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override;

  Variable<T> W;  ///< Weights (in, out).
  Variable<T> b;  ///< Bias (out).
};

}  // namespace minidl
