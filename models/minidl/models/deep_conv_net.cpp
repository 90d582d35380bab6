#include "minidl/models/deep_conv_net.hpp"

#include <stdexcept>

namespace minidl::models {

template <typename T>
DeepConvNet<T>::DeepConvNet(Generator& gen, const DeepConvNetConfig& c) : config_(c) {
  struct ConvSpec {
    std::size_t out, pad;
  };
  // The book's conv_param_1..6; a pool follows conv2, conv4 and conv6.
  const ConvSpec convs[6] = {{16, 1}, {16, 1}, {32, 1}, {32, 2}, {64, 1}, {64, 1}};
  std::size_t ch = c.channels, h = c.height, w = c.width;
  for (int i = 0; i < 6; ++i) {
    const std::string k = std::to_string(i + 1);
    if (h + 2 * convs[i].pad < 3 || w + 2 * convs[i].pad < 3) {
      throw std::invalid_argument("DeepConvNet: input " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                                  " is too small");
    }
    this->add("conv" + k, std::make_shared<Conv2d<T>>(ch, convs[i].out, 3, gen, 1, convs[i].pad, Init::He));
    this->add("relu" + k, std::make_shared<ReLU<T>>());
    ch = convs[i].out;
    h = h + 2 * convs[i].pad - 2;
    w = w + 2 * convs[i].pad - 2;
    if (i % 2 == 1) {
      if (h < 2 || w < 2) throw std::invalid_argument("DeepConvNet: input is too small for three 2x2 poolings");
      this->add("pool" + std::to_string(i / 2 + 1), std::make_shared<MaxPool2d<T>>(2, 2, 2));
      h /= 2;
      w /= 2;
    }
  }
  // fc1 reads the (N, 64, h, w) map in place as (N, 64*h*w) rows, as the book's Affine does: 64
  // channels never look like rows of the last axis, so no flattening copy is needed.
  this->add("fc1", std::make_shared<Linear<T>>(ch * h * w, c.hidden, gen, Init::He));
  this->add("relu7", std::make_shared<ReLU<T>>());
  this->add("dropout1", std::make_shared<Dropout<T>>(c.dropout, gen));
  this->add("fc2", std::make_shared<Linear<T>>(c.hidden, c.classes, gen, Init::He));
  this->add("dropout2", std::make_shared<Dropout<T>>(c.dropout, gen));
}

template class DeepConvNet<float>;
template class DeepConvNet<double>;

}  // namespace minidl::models
