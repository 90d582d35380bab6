#pragma once
// Conv2dMaxPool: a convolution layer and the max pooling after it (and optionally a ReLU after
// that), computed as one op.

#include "minidl/nn/activation.hpp"
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
  /// Fuses a ReLU after the pooling as well (conv2d_max_pool2d_relu): the three layers' result, bit
  /// for bit, without a pass of its own over the pooled output or its gradient.
  Conv2dMaxPool(const Conv2d<T>& conv, const MaxPool2d<T>& pool, const ReLU<T>& relu);
  /// Applies conv2d_max_pool2d, or conv2d_max_pool2d_relu with a fused ReLU; shape errors name
  /// the shapes.
  Variable<T> forward(const Variable<T>& x) override;
  /// "Conv2d(C -> FN, FHxFW, stride s, pad p) + MaxPool2d(PHxPW, stride s, pad p)", then " + ReLU"
  /// with a fused ReLU.
  std::string describe() const override;

  /// The convolution's stride.
  std::size_t stride() const { return stride_; }
  /// The convolution's zero padding.
  std::size_t pad() const { return pad_; }
  /// The pooling after the convolution (its window, stride and pad).
  const MaxPool2d<T>& pooling() const { return pool_; }
  /// True when a ReLU follows the pooling inside this layer.
  bool relu() const { return relu_; }

  Variable<T> W;  ///< Filters (FN, C, FH, FW).
  Variable<T> b;  ///< Bias (FN).

 private:
  std::size_t stride_, pad_;
  MaxPool2d<T> pool_;
  bool relu_ = false;
};

}  // namespace minidl
