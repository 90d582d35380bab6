#pragma once
// The book's SimpleConvNet (chapter 7.5): conv - ReLU - pool - affine - ReLU - affine.

#include <nlohmann/json_fwd.hpp>

#include <minidl/nn/activation.hpp>
#include <minidl/nn/conv.hpp>
#include <minidl/nn/conv_pool.hpp>
#include <minidl/nn/linear.hpp>
#include <minidl/nn/pooling.hpp>
#include <minidl/nn/sequential.hpp>

namespace minidl::models {

/// SimpleConvNet's hyper-parameters; the defaults are the book's (MNIST, 30 filters of 5x5).
struct SimpleConvNetConfig {
  std::size_t channels = 1, height = 28, width = 28;  ///< input (C,H,W) of one image
  std::size_t filter_num = 30;                        ///< FN
  std::size_t filter_size = 5;                        ///< FH = FW
  std::size_t stride = 1;
  std::size_t pad = 0;
  std::size_t hidden = 100;                           ///< width of the hidden affine layer
  std::size_t classes = 10;
  Init init = Init::He;       ///< the book uses Normal with std 0.01; He trains as well or better
  double stddev = 0.01;       ///< for Init::Std
};

/// conv1 (FN filters, FHxFW, then max 2x2 stride 2 pooling, then ReLU) -> fc1 (-> hidden) -> relu2 ->
/// fc2 (-> classes): the book's Convolution, Relu, Pooling, Affine, Relu, Affine, with Relu and
/// Pooling swapped, which gives exactly the same values and gradients (max and ReLU commute) and
/// runs ReLU on a quarter of the data. The convolution, its pooling and that ReLU are one layer
/// (Conv2dMaxPool), so the convolution's full output is never stored and the ReLU makes no pass of
/// its own.
/// Input (N,C,H,W), output logits (N,classes). Parameters are named conv1.W, conv1.b, fc1.W, ...
template <typename T>
class SimpleConvNet : public Sequential<T> {
 public:
  /// Builds the layers with weights drawn from `gen`. Throws std::invalid_argument if the input is
  /// too small for the filter and the 2x2 pooling.
  explicit SimpleConvNet(Generator& gen, const SimpleConvNetConfig& config = {});
  std::string describe() const override;
  /// The spec that rebuilds this network with models::make_model (models/model_spec.hpp):
  ///   {"kind": "simple_conv_net", "config": {every SimpleConvNetConfig field by name}}.
  nlohmann::json spec() const;
  const SimpleConvNetConfig& config() const { return config_; }

 private:
  SimpleConvNetConfig config_;
};

}  // namespace minidl::models
