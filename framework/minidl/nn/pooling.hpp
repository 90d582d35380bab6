#pragma once
// Pooling layers and Flatten: parameter-free modules over ops/pooling and ops/shape.

#include "minidl/nn/module.hpp"

namespace minidl {

/// Max pooling over pool_h x pool_w windows (the book's Pooling layer): (N,C,H,W) -> (N,C,OH,OW).
template <typename T>
class MaxPool2d : public Module<T> {
 public:
  /// The book's default is a 2x2 window with stride 2, pad 0.
  MaxPool2d(std::size_t pool_h, std::size_t pool_w, std::size_t stride, std::size_t pad = 0);
  /// Applies max_pool2d (first maximum wins ties).
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override;
  /// Window height.
  std::size_t pool_h() const { return ph_; }
  /// Window width.
  std::size_t pool_w() const { return pw_; }
  /// Step between windows, along both axes.
  std::size_t stride() const { return stride_; }
  /// Padding on each side, along both axes.
  std::size_t pad() const { return pad_; }

 private:
  std::size_t ph_, pw_, stride_, pad_;
};

/// Average pooling (padding counts as zeros; the divisor is pool_h*pool_w).
template <typename T>
class AvgPool2d : public Module<T> {
 public:
  AvgPool2d(std::size_t pool_h, std::size_t pool_w, std::size_t stride, std::size_t pad = 0);
  /// Applies avg_pool2d.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override;
  /// Window height.
  std::size_t pool_h() const { return ph_; }
  /// Window width.
  std::size_t pool_w() const { return pw_; }
  /// Step between windows, along both axes.
  std::size_t stride() const { return stride_; }
  /// Padding on each side, along both axes.
  std::size_t pad() const { return pad_; }

 private:
  std::size_t ph_, pw_, stride_, pad_;
};

/// Collapses axes start_axis.. into one: (N,C,H,W) -> (N, C*H*W) with the default start_axis 1.
template <typename T>
class Flatten : public Module<T> {
 public:
  explicit Flatten(int start_axis = 1) : start_axis_(start_axis) {}
  /// Applies flatten(x, start_axis).
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override { return "Flatten(" + std::to_string(start_axis_) + ")"; }
  /// The first axis collapsed (negative counts from the end).
  int start_axis() const { return start_axis_; }

 private:
  int start_axis_;
};

}  // namespace minidl
