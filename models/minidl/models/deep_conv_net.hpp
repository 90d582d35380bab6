#pragma once
// The book's DeepConvNet (chapter 8.1): six 3x3 convolutions, three poolings, two affine layers
// with dropout, He initialisation. Reaches ~99.4% on MNIST in the book.

#include <nlohmann/json_fwd.hpp>

#include <minidl/nn/activation.hpp>
#include <minidl/nn/conv.hpp>
#include <minidl/nn/dropout.hpp>
#include <minidl/nn/linear.hpp>
#include <minidl/nn/pooling.hpp>
#include <minidl/nn/sequential.hpp>

namespace minidl::models {

/// DeepConvNet's hyper-parameters (defaults: the book's).
struct DeepConvNetConfig {
  std::size_t channels = 1, height = 28, width = 28;  ///< input (C,H,W) of one image
  std::size_t hidden = 50;                            ///< width of fc1
  std::size_t classes = 10;
  double dropout = 0.5;                               ///< ratio of both dropout layers
};

/// conv1 3x3-16 pad 1, relu, conv2 3x3-16 pad 1, relu, pool (2x2 s2),
/// conv3 3x3-32 pad 1, relu, conv4 3x3-32 pad 2, relu, pool,
/// conv5 3x3-64 pad 1, relu, conv6 3x3-64 pad 1, relu, pool,
/// fc1 (-> 50), relu, dropout 0.5, fc2 (-> 10), dropout 0.5  — exactly the book's layer list,
/// including its dropout after the last affine layer. For 28x28 inputs the spatial sizes run
/// 28, 28, 14, 14, 16 (pad 2), 8, 8, 8, 4, so fc1 sees 64*4*4 = 1024 inputs. He init everywhere
/// (fan_in C*3*3 for convolutions, the input width for affine layers), like the book's
/// sqrt(2 / pre_node_nums). Dropout is active in train() mode only: call eval() before testing.
template <typename T>
class DeepConvNet : public Sequential<T> {
 public:
  /// Builds the network; weights and dropout masks come from `gen`, which must outlive the model.
  explicit DeepConvNet(Generator& gen, const DeepConvNetConfig& config = {});
  std::string describe() const override { return "DeepConvNet"; }
  /// The spec that rebuilds this network with models::make_model (models/model_spec.hpp):
  ///   {"kind": "deep_conv_net", "config": {every DeepConvNetConfig field by name}}.
  nlohmann::json spec() const;
  const DeepConvNetConfig& config() const { return config_; }

 private:
  DeepConvNetConfig config_;
};

}  // namespace minidl::models
