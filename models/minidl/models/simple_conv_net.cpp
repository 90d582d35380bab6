#include "minidl/models/simple_conv_net.hpp"

#include <stdexcept>

namespace minidl::models {

template <typename T>
SimpleConvNet<T>::SimpleConvNet(Generator& gen, const SimpleConvNetConfig& c) : config_(c) {
  if (c.height + 2 * c.pad < c.filter_size || c.width + 2 * c.pad < c.filter_size || c.stride == 0) {
    throw std::invalid_argument("SimpleConvNet: input " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                                " is too small for a " + std::to_string(c.filter_size) + "x" +
                                std::to_string(c.filter_size) + " filter with pad " + std::to_string(c.pad));
  }
  const std::size_t oh = (c.height + 2 * c.pad - c.filter_size) / c.stride + 1;
  const std::size_t ow = (c.width + 2 * c.pad - c.filter_size) / c.stride + 1;
  if (oh < 2 || ow < 2) throw std::invalid_argument("SimpleConvNet: conv output is smaller than the 2x2 pooling");
  const std::size_t pooled = c.filter_num * (oh / 2) * (ow / 2);  // the book's pool_output_size
  // The book applies Relu, then Pooling. Max-pooling and ReLU commute exactly: relu(max(window)) =
  // max(relu(window)), and the gradient reaches the same element (the window's first maximum, and
  // only when that maximum is positive) with the same value. Pooling first lets ReLU touch the
  // pooled map, a quarter of the conv output, and lets the pooling and the ReLU run inside the
  // convolution (Conv2dMaxPool), a sample at a time while its output is in cache.
  this->add("conv1", std::make_shared<Conv2dMaxPool<T>>(
                         Conv2d<T>(c.channels, c.filter_num, c.filter_size, gen, c.stride, c.pad, c.init, c.stddev),
                         MaxPool2d<T>(2, 2, 2), ReLU<T>()));
  // fc1 reads the pooled (N, FN, OH/2, OW/2) map in place as (N, pooled) rows, as the book's Affine
  // does, with no flattening copy. Only a one-filter, one-row map (1, 1, D) would look to Linear
  // like rows of its last axis; there Flatten says which reading is meant.
  if (c.filter_num * (oh / 2) == 1) this->add("flatten", std::make_shared<Flatten<T>>(1));
  this->add("fc1", std::make_shared<Linear<T>>(pooled, c.hidden, gen, c.init, c.stddev));
  this->add("relu2", std::make_shared<ReLU<T>>());
  this->add("fc2", std::make_shared<Linear<T>>(c.hidden, c.classes, gen, c.init, c.stddev));
}

template <typename T>
std::string SimpleConvNet<T>::describe() const {
  return "SimpleConvNet(conv " + std::to_string(config_.filter_num) + "x" + std::to_string(config_.filter_size) + "x" +
         std::to_string(config_.filter_size) + ", hidden " + std::to_string(config_.hidden) + ")";
}

template class SimpleConvNet<float>;
template class SimpleConvNet<double>;

}  // namespace minidl::models
