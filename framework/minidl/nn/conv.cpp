#include "minidl/nn/conv.hpp"

#include <stdexcept>

#include "minidl/ops/conv.hpp"

namespace minidl {

template <typename T>
Conv2d<T>::Conv2d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel, Generator& gen,
                  std::size_t stride, std::size_t pad, Init init, double stddev)
    : Conv2d(in_channels, out_channels, kernel, kernel, gen, stride, pad, init, stddev) {}

template <typename T>
Conv2d<T>::Conv2d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_h, std::size_t kernel_w,
                  Generator& gen, std::size_t stride, std::size_t pad, Init init, double stddev)
    : stride_(stride), pad_(pad) {
  if (in_channels == 0 || out_channels == 0 || kernel_h == 0 || kernel_w == 0 || stride == 0) {
    throw std::invalid_argument("Conv2d: channels, kernel size and stride must be positive (got C=" +
                                std::to_string(in_channels) + ", FN=" + std::to_string(out_channels) + ", kernel " +
                                std::to_string(kernel_h) + "x" + std::to_string(kernel_w) + ", stride " +
                                std::to_string(stride) + ")");
  }
  const std::size_t fan_in = in_channels * kernel_h * kernel_w;
  W = this->register_parameter(
      "W", Variable<T>(init_weight<T>({out_channels, in_channels, kernel_h, kernel_w}, fan_in, init, gen, stddev)));
  b = this->register_parameter("b", zeros<T>({out_channels}));
}

template <typename T>
Variable<T> Conv2d<T>::forward(const Variable<T>& x) {
  return conv2d(x, W, b, stride_, pad_);
}

template <typename T>
std::string Conv2d<T>::describe() const {
  const Shape s = W.shape();
  return "Conv2d(" + std::to_string(s[1]) + " -> " + std::to_string(s[0]) + ", " + std::to_string(s[2]) + "x" +
         std::to_string(s[3]) + ", stride " + std::to_string(stride_) + ", pad " + std::to_string(pad_) + ")";
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace minidl
