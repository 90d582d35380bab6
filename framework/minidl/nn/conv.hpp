#pragma once
// Conv2d: the book's Convolution layer as a module.

#include "minidl/nn/init.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// A 2-D convolution layer: y = conv2d(x, W, b, stride, pad) for x (N,C,H,W) -> (N,FN,OH,OW).
/// W is (FN,C,FH,FW) as in the book; b (FN) starts at zero. The default He initialisation uses
/// fan_in = C*FH*FW, as the book's DeepConvNet does (sqrt(2 / (C*FH*FW))).
template <typename T>
class Conv2d : public Module<T> {
 public:
  /// `in_channels` C, `out_channels` FN, square `kernel` FH = FW, weights drawn from `gen`
  /// (`stddev` is used only by Init::Std, the book's weight_init_std = 0.01).
  Conv2d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel, Generator& gen, std::size_t stride = 1,
         std::size_t pad = 0, Init init = Init::He, double stddev = 0.01);
  /// Same with a rectangular FH x FW kernel.
  Conv2d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_h, std::size_t kernel_w,
         Generator& gen, std::size_t stride, std::size_t pad, Init init = Init::He, double stddev = 0.01);
  /// Applies the convolution; shape errors come from conv2d and name the shapes.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override;

  /// Output spatial size for an input of size `in` along the kernel extent `k` (OH or OW).
  std::size_t output_size(std::size_t in, std::size_t k) const { return (in + 2 * pad_ - k) / stride_ + 1; }
  std::size_t stride() const { return stride_; }
  std::size_t pad() const { return pad_; }

  Variable<T> W;  ///< Filters (FN, C, FH, FW).
  Variable<T> b;  ///< Bias (FN).

 private:
  std::size_t stride_, pad_;
};

}  // namespace minidl
