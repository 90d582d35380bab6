#pragma once
// Linear (the book's Affine layer): y = x · W + b.

#include "minidl/nn/init.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// A fully connected layer. W is (in, out) as in the book (x · W, not x · Wᵀ), b is (out).
/// An input of more than two axes whose last extent is `in` is mapped position by position,
/// (..., in) -> (..., out) (the book's TimeAffine: (N,T,D) -> (N,T,H)); any other input of more
/// than two axes is flattened to (N, in) first, like the book's Affine after a convolution.
template <typename T>
class Linear : public Module<T> {
 public:
  /// Creates the layer with W drawn by `init` from `gen` (stddev used by Init::Std) and b = 0.
  Linear(std::size_t in_features, std::size_t out_features, Generator& gen, Init init = Init::He,
         double stddev = 0.01);
  /// y = x · W + b for x (N, in) -> (N, out), (..., in) -> (..., out), or (N, ...) flattened to
  /// (N, in). Throws std::invalid_argument on a width mismatch.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override;

  Variable<T> W;  ///< Weights (in, out).
  Variable<T> b;  ///< Bias (out).
};

}  // namespace minidl
