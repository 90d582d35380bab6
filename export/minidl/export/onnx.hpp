#pragma once
// ONNX export: a trained network as an ONNX model (opset 13) that other runtimes run, such as ONNX
// Runtime from Python, C#, JavaScript or C++. Built on ONNX's own protobuf schema, in its own
// library (minidl::onnx), so libminidl itself does not depend on ONNX or protobuf.
//
//   minidl::LoadedModel m = minidl::load_model("runs/mnist_simple");
//   minidl::export_onnx(*m.model, "model.onnx");
//
// The graph has one input "input", float32 (batch, <example shape>) with a symbolic batch
// dimension, and one output "logits", float32 (batch, classes): the same values forward() gives
// in eval mode (the exported graph has no softmax). The input is prepared as for training (MNIST:
// pixels / 255, shape (batch, 784) for the dense networks, (batch, 1, 28, 28) for the CNNs).

#include <map>
#include <stdexcept>
#include <string>

#include <minidl/core/tensor.hpp>
#include <minidl/nn/module.hpp>

namespace minidl {

/// A network that cannot be exported: a layer with no ONNX form, or shapes that do not fit. The
/// message names the layer by its qualified name ("conv1") and says why.
class OnnxExportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What export_onnx writes besides the layers.
struct OnnxExportOptions {
  /// Shape of one example (without the batch axis). Empty: taken from the network
  /// (onnx_input_shape).
  Shape example_shape;
  /// Stored as the model's doc_string; empty: the network's describe().
  std::string description;
  /// Extra key/value pairs stored in the model's metadata_props (e.g. the checkpoint's spec).
  std::map<std::string, std::string> metadata;
};

/// The shape of one example the network takes: (input_size) for MLP, TwoLayerNet, MultiLayerNet
/// and any Sequential starting with a Linear layer; (C, H, W) from the config of SimpleConvNet and
/// DeepConvNet. Throws OnnxExportError when the network does not say (give
/// OnnxExportOptions::example_shape then).
Shape onnx_input_shape(const Module<float>& model);

/// The serialized ONNX model (ModelProto, opset 13, IR version 8) of `model` as it computes in
/// eval mode: Linear -> Gemm (with a Flatten before it when its input has more than two axes),
/// Conv2d -> Conv, MaxPool2d -> MaxPool, Conv2dMaxPool -> Conv then MaxPool ("name.pool") and, with
/// its fused ReLU, Relu ("name.relu"), AvgPool2d -> AveragePool (padding counted), Flatten ->
/// Flatten or Reshape, ReLU/Sigmoid/Tanh -> Relu/Sigmoid/Tanh, BatchNorm -> BatchNormalization with
/// the running statistics, Dropout -> nothing (the identity). Sequential networks, MLP,
/// SimpleConvNet, DeepConvNet, MultiLayerNet and TwoLayerNet are walked layer by layer; parameters
/// become initializers under their qualified names ("conv1.W"). Before returning, the model is
/// checked with ONNX's own checker and shape inference. Throws OnnxExportError for a layer with no
/// ONNX form, a shape that does not fit the next layer, or a model the checker rejects.
std::string onnx_model_bytes(const Module<float>& model, const OnnxExportOptions& options = {});

/// Writes onnx_model_bytes(model, options) to `path` atomically (io/atomic_file.hpp). Throws
/// OnnxExportError as onnx_model_bytes does, FileError when the file cannot be written.
void export_onnx(const Module<float>& model, const std::string& path, const OnnxExportOptions& options = {});

}  // namespace minidl
