#pragma once
// What one input item of a network looks like, read from its model spec (models/model_spec.hpp):
// the dense networks take flat vectors, the convolutional ones images with a channel axis. Tools
// that feed a loaded model (predict, evaluate) shape their data with it.
//
//   minidl::LoadedModel m = minidl::load_model("runs/mnist_simple");
//   minidl::Shape item = minidl::models::input_shape(m.info.model_spec);   // {1, 28, 28}

#include <nlohmann/json.hpp>

#include <minidl/core/tensor.hpp>

namespace minidl::models {

/// The shape of one input item (no batch axis) of the network `spec` describes: {input_size} for
/// two_layer_net and multi_layer_net, {sizes[0]} for mlp, {channels, height, width} for
/// simple_conv_net and deep_conv_net (a missing key takes the constructor's default, as make_model
/// does). Throws std::invalid_argument for a spec that is not an object with a known "kind", or a
/// size that is not a positive integer.
Shape input_shape(const nlohmann::json& spec);

}  // namespace minidl::models
