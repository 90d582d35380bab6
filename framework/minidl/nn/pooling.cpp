#include "minidl/nn/pooling.hpp"

#include "minidl/ops/pooling.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {
std::string window_str(const char* name, std::size_t ph, std::size_t pw, std::size_t stride, std::size_t pad) {
  return std::string(name) + "(" + std::to_string(ph) + "x" + std::to_string(pw) + ", stride " +
         std::to_string(stride) + ", pad " + std::to_string(pad) + ")";
}
}  // namespace

template <typename T>
MaxPool2d<T>::MaxPool2d(std::size_t pool_h, std::size_t pool_w, std::size_t stride, std::size_t pad)
    : ph_(pool_h), pw_(pool_w), stride_(stride), pad_(pad) {}

template <typename T>
Variable<T> MaxPool2d<T>::forward(const Variable<T>& x) {
  return max_pool2d(x, ph_, pw_, stride_, pad_);
}

template <typename T>
std::string MaxPool2d<T>::describe() const {
  return window_str("MaxPool2d", ph_, pw_, stride_, pad_);
}

template <typename T>
AvgPool2d<T>::AvgPool2d(std::size_t pool_h, std::size_t pool_w, std::size_t stride, std::size_t pad)
    : ph_(pool_h), pw_(pool_w), stride_(stride), pad_(pad) {}

template <typename T>
Variable<T> AvgPool2d<T>::forward(const Variable<T>& x) {
  return avg_pool2d(x, ph_, pw_, stride_, pad_);
}

template <typename T>
std::string AvgPool2d<T>::describe() const {
  return window_str("AvgPool2d", ph_, pw_, stride_, pad_);
}

template <typename T>
Variable<T> Flatten<T>::forward(const Variable<T>& x) {
  return flatten(x, start_axis_);
}

template class MaxPool2d<float>;
template class MaxPool2d<double>;
template class AvgPool2d<float>;
template class AvgPool2d<double>;
template class Flatten<float>;
template class Flatten<double>;

}  // namespace minidl
