#include "minidl/nn/conv_pool.hpp"

#include "minidl/ops/conv_pool.hpp"

namespace minidl {

template <typename T>
Conv2dMaxPool<T>::Conv2dMaxPool(std::size_t in_channels, std::size_t out_channels, std::size_t kernel,
                                Generator& gen, std::size_t stride, std::size_t pad, std::size_t pool,
                                std::size_t pool_stride, Init init, double stddev)
    : Conv2dMaxPool(Conv2d<T>(in_channels, out_channels, kernel, gen, stride, pad, init, stddev),
                    MaxPool2d<T>(pool, pool, pool_stride)) {}

template <typename T>
Conv2dMaxPool<T>::Conv2dMaxPool(const Conv2d<T>& conv, const MaxPool2d<T>& pool)
    : stride_(conv.stride()), pad_(conv.pad()), pool_(pool.pool_h(), pool.pool_w(), pool.stride(), pool.pad()) {
  W = this->register_parameter("W", conv.W);
  b = this->register_parameter("b", conv.b);
}

template <typename T>
Conv2dMaxPool<T>::Conv2dMaxPool(const Conv2d<T>& conv, const MaxPool2d<T>& pool, const ReLU<T>&)
    : Conv2dMaxPool(conv, pool) {
  relu_ = true;
}

template <typename T>
Variable<T> Conv2dMaxPool<T>::forward(const Variable<T>& x) {
  if (relu_)
    return conv2d_max_pool2d_relu(x, W, b, stride_, pad_, pool_.pool_h(), pool_.pool_w(), pool_.stride(), pool_.pad());
  return conv2d_max_pool2d(x, W, b, stride_, pad_, pool_.pool_h(), pool_.pool_w(), pool_.stride(), pool_.pad());
}

template <typename T>
std::string Conv2dMaxPool<T>::describe() const {
  const Shape s = W.shape();
  return "Conv2d(" + std::to_string(s[1]) + " -> " + std::to_string(s[0]) + ", " + std::to_string(s[2]) + "x" +
         std::to_string(s[3]) + ", stride " + std::to_string(stride_) + ", pad " + std::to_string(pad_) + ") + " +
         pool_.describe() + (relu_ ? " + ReLU" : "");
}

template class Conv2dMaxPool<float>;
template class Conv2dMaxPool<double>;

}  // namespace minidl
