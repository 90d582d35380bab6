#pragma once
// Networks described as data. Every network in models/ reports its kind and constructor settings
// as JSON (its spec() member), and make_model builds a network from such a spec:
//
//   {"kind": "mlp",             "config": {"sizes": [784, 100, 10], "activation": "relu",
//                                          "init": "he", "stddev": 0.01}}
//   {"kind": "two_layer_net",   "config": {"input_size": 784, "hidden_size": 50, "output_size": 10,
//                                          "weight_init_std": 0.01}}
//   {"kind": "multi_layer_net", "config": {every MultiLayerNetConfig field by name}}
//   {"kind": "simple_conv_net", "config": {every SimpleConvNetConfig field by name}}
//   {"kind": "deep_conv_net",   "config": {every DeepConvNetConfig field by name}}
//
// Activations and initialisations are written by name ("relu", "he", "std"). A config key left
// out takes the constructor's default, so hand-written specs can be short. Checkpoints store the
// spec, which lets minidl::load_model (models/load_model.hpp) rebuild a network from its file.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <minidl/core/random.hpp>
#include <minidl/nn/module.hpp>

namespace minidl::models {

/// The kinds make_model accepts: two_layer_net, mlp, multi_layer_net, simple_conv_net, deep_conv_net.
const std::vector<std::string>& model_kinds();

/// The largest value make_model accepts for any size in a config (a layer width, a channel count,
/// an image side): specs come from files, and a corrupt one must not ask for terabytes.
constexpr std::size_t kMaxModelDimension = std::size_t(1) << 20;

/// A new network of the spec's kind and config, with weights (and, for nets with dropout, masks)
/// drawn from `gen`, which must outlive the network. Throws std::invalid_argument naming the
/// problem for a spec that is not {"kind": string, "config": object}, an unknown kind (the message
/// lists the known ones), an unknown config key, a value of the wrong type, a size of 0 or above
/// kMaxModelDimension, or settings the network's constructor rejects.
template <typename T>
std::unique_ptr<Module<T>> make_model(const nlohmann::json& spec, Generator& gen);

}  // namespace minidl::models
