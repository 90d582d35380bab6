#pragma once
// Conv2dMaxPool: a convolution layer and the max pooling after it, computed as one op.

#include "minidl/nn/conv.hpp"
#include "minidl/nn/module.hpp"
#include "minidl/nn/pooling.hpp"

namespace minidl {

/// A Conv2d followed by a MaxPool2d, applied by conv2d_max_pool2d (ops/conv_pool.hpp): the same
/// result, bit for bit, as the two layers one after the other, without the convolution's full
/// output ever being stored. Its parameters are the convolution's, under the same names ("W",
/// "b"), so a model that replaces a Conv2d + MaxPool2d pair by it keeps its parameter names and
/// checkpoints.
template <typename T>
class Conv2dMaxPool : public Module<T> {
 public:
  /// A new convolution (as Conv2d's constructor: C `in_channels`, FN `out_channels`, square
  /// `kernel`, `stride`, `pad`, weights from `gen` with `init`/`stddev`) followed by square
  /// `pool` x `pool` max pooling with `pool_stride` (the book's SimpleConvNet: pool 2, stride 2).
  Conv2dMaxPool(std::size_t in_channels, std::size_t out_channels, std::size_t kernel, Generator& gen,
                std::size_t stride, std::size_t pad, std::size_t pool, std::size_t pool_stride, Init init = Init::He,
                double stddev = 0.01);
  /// Fuses existing layers: shares `conv`'s W and b (not a copy: training either trains both) and
  /// takes `pool`'s window, stride and pad.
  Conv2dMaxPool(const Conv2d<T>& conv, const MaxPool2d<T>& pool);
  /// Applies conv2d_max_pool2d; shape errors name the shapes.
  Variable<T> forward(const Variable<T>& x) override;
  /// "Conv2d(C -> FN, FHxFW, stride s, pad p) + MaxPool2d(PHxPW, stride s, pad p)".
  std::string describe() const override;

  /// The convolution's stride.
  std::size_t stride() const { return stride_; }
  /// The convolution's zero padding.
  std::size_t pad() const { return pad_; }
  /// The pooling after the convolution (its window, stride and pad).
  const MaxPool2d<T>& pooling() const { return pool_; }

  Variable<T> W;  ///< Filters (FN, C, FH, FW).
  Variable<T> b;  ///< Bias (FN).

 private:
  std::size_t stride_, pad_;
  MaxPool2d<T> pool_;
};

}  // namespace minidl
