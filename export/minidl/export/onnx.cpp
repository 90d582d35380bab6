#include "minidl/export/onnx.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstdint>
#include <set>
#include <vector>

#include <minidl/io/atomic_file.hpp>
#include <minidl/models/deep_conv_net.hpp>
#include <minidl/models/multi_layer_net.hpp>
#include <minidl/models/simple_conv_net.hpp>
#include <minidl/models/two_layer_net.hpp>
#include <minidl/nn/activation.hpp>
#include <minidl/nn/batch_norm.hpp>
#include <minidl/nn/conv.hpp>
#include <minidl/nn/conv_pool.hpp>
#include <minidl/nn/dropout.hpp>
#include <minidl/nn/linear.hpp>
#include <minidl/nn/pooling.hpp>
#include <minidl/nn/sequential.hpp>
#include <minidl/version.hpp>

namespace minidl {

namespace {

constexpr std::int64_t kOpset = 13;  // the oldest opset with today's Gemm/Flatten/Reshape forms; every runtime has it
const char* const kBatchDim = "batch";
const char* const kInput = "input";
const char* const kOutput = "logits";

std::string qualified(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

/// Appends nodes to the graph while tracking the value the next layer reads and its shape (one
/// example, without the batch axis), so every layer can check what it receives.
class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto& graph, Shape example) : graph_(graph), shape_(std::move(example)) {}

  const Shape& shape() const { return shape_; }
  const std::string& value() const { return value_; }
  bool has_nodes() const { return graph_.node_size() > 0; }

  /// Adds a float initializer named `name` holding `t`.
  void initializer(const std::string& name, const Tensor<float>& t) {
    onnx::TensorProto* init = graph_.add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (std::size_t d : t.shape()) init->add_dims(static_cast<std::int64_t>(d));
    init->mutable_float_data()->Add(t.data(), t.data() + t.size());
  }
  /// Adds an int64 initializer (Reshape's target shape).
  void initializer(const std::string& name, const std::vector<std::int64_t>& values) {
    onnx::TensorProto* init = graph_.add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::INT64);
    init->add_dims(static_cast<std::int64_t>(values.size()));
    for (std::int64_t v : values) init->add_int64_data(v);
  }

  /// Adds node `name` of type `op` reading the current value and then `extra` inputs; its output
  /// (also called `name`) becomes the current value, of per-example shape `out_shape`.
  onnx::NodeProto& node(const std::string& op, const std::string& name, const std::vector<std::string>& extra,
                        Shape out_shape) {
    if (!names_.insert(name).second) throw OnnxExportError("export_onnx: two nodes named '" + name + "'");
    onnx::NodeProto* n = graph_.add_node();
    n->set_op_type(op);
    n->set_name(name);
    n->add_input(value_);
    for (const std::string& in : extra) n->add_input(in);
    n->add_output(name);
    value_ = name;
    shape_ = std::move(out_shape);
    return *n;
  }

 private:
  onnx::GraphProto& graph_;
  std::string value_ = kInput;
  Shape shape_;
  std::set<std::string> names_;
};

void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& values) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (std::int64_t v : values) a->add_ints(v);
}
void set_int(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
void set_float(onnx::NodeProto& n, const std::string& name, float value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

[[noreturn]] void fail(const std::string& layer, const Module<float>& m, const std::string& what) {
  throw OnnxExportError("export_onnx: layer '" + layer + "' (" + m.describe() + "): " + what);
}

/// Output extent of a window of `k` cells moved by `stride` over `in` cells padded by `pad` each side.
std::size_t window_out(const std::string& layer, const Module<float>& m, std::size_t in, std::size_t k,
                       std::size_t stride, std::size_t pad) {
  if (in + 2 * pad < k) fail(layer, m, "its window " + std::to_string(k) + " exceeds the padded input " + std::to_string(in + 2 * pad));
  return (in + 2 * pad - k) / stride + 1;
}

void emit(const Module<float>& m, const std::string& name, GraphBuilder& b);

void emit_children_in(const Module<float>& parent, const std::vector<std::shared_ptr<Module<float>>>& order,
                      const std::string& name, GraphBuilder& b) {
  for (const auto& layer : order) {
    std::string child_name;
    for (const auto& [n, c] : parent.children()) {
      if (c == layer) child_name = n;
    }
    emit(*layer, qualified(name, child_name), b);
  }
}

void emit_linear(const Linear<float>& l, const std::string& name, GraphBuilder& b) {
  const Shape w = to_shape(l.W.data().shape());
  if (b.shape().empty()) fail(name, l, "its input has no feature axis");
  if (b.shape().size() > 1) {
    // Linear flattens (N, ...) to (N, features) itself; ONNX's Gemm wants the 2-D form spelled out.
    b.node("Flatten", name + ".flatten", {}, Shape{shape_size(b.shape())});
  }
  if (b.shape()[0] != w[0]) {
    fail(name, l, "expects " + std::to_string(w[0]) + " inputs but receives " + std::to_string(b.shape()[0]));
  }
  b.initializer(qualified(name, "W"), l.W.data());
  b.initializer(qualified(name, "b"), l.b.data());
  b.node("Gemm", name, {qualified(name, "W"), qualified(name, "b")}, Shape{w[1]});
}

// Conv2d, or the convolution of a Conv2dMaxPool (the same W, b, stride and pad).
template <typename Conv>
void emit_conv(const Conv& c, const std::string& name, GraphBuilder& b) {
  const Shape w = to_shape(c.W.data().shape());  // (FN, C, FH, FW)
  const Shape& in = b.shape();
  if (in.size() != 3 || in[0] != w[1]) {
    fail(name, c, "expects (" + std::to_string(w[1]) + ", H, W) inputs per example, receives " + shape_str(in));
  }
  const std::size_t oh = window_out(name, c, in[1], w[2], c.stride(), c.pad());
  const std::size_t ow = window_out(name, c, in[2], w[3], c.stride(), c.pad());
  b.initializer(qualified(name, "W"), c.W.data());
  b.initializer(qualified(name, "b"), c.b.data());
  const auto s = static_cast<std::int64_t>(c.stride()), p = static_cast<std::int64_t>(c.pad());
  onnx::NodeProto& n = b.node("Conv", name, {qualified(name, "W"), qualified(name, "b")}, Shape{w[0], oh, ow});
  set_ints(n, "kernel_shape", {static_cast<std::int64_t>(w[2]), static_cast<std::int64_t>(w[3])});
  set_ints(n, "strides", {s, s});
  set_ints(n, "pads", {p, p, p, p});
}

template <typename Pool>
void emit_pool(const Pool& pool, const char* op, const std::string& name, GraphBuilder& b) {
  const Shape& in = b.shape();
  if (in.size() != 3) fail(name, pool, "expects (C, H, W) inputs per example, receives " + shape_str(in));
  const Shape out{in[0], window_out(name, pool, in[1], pool.pool_h(), pool.stride(), pool.pad()),
                  window_out(name, pool, in[2], pool.pool_w(), pool.stride(), pool.pad())};
  const auto s = static_cast<std::int64_t>(pool.stride()), p = static_cast<std::int64_t>(pool.pad());
  onnx::NodeProto& n = b.node(op, name, {}, out);
  set_ints(n, "kernel_shape", {static_cast<std::int64_t>(pool.pool_h()), static_cast<std::int64_t>(pool.pool_w())});
  set_ints(n, "strides", {s, s});
  set_ints(n, "pads", {p, p, p, p});
  // minidl's average divides by the whole window, padding included (ops/pooling.hpp).
  if (std::string(op) == "AveragePool") set_int(n, "count_include_pad", 1);
}

void emit_flatten(const Flatten<float>& f, const std::string& name, GraphBuilder& b) {
  const int rank = static_cast<int>(b.shape().size()) + 1;  // with the batch axis
  const int axis = f.start_axis() < 0 ? f.start_axis() + rank : f.start_axis();
  if (axis < 1 || axis >= rank) fail(name, f, "start axis " + std::to_string(f.start_axis()) + " would merge the batch axis");
  const Shape& in = b.shape();
  Shape out(in.begin(), in.begin() + (axis - 1));
  out.push_back(shape_size(Shape(in.begin() + (axis - 1), in.end())));
  if (axis == 1) {
    b.node("Flatten", name, {}, out);
    return;
  }
  std::vector<std::int64_t> target(static_cast<std::size_t>(axis), 0);  // 0 keeps an axis
  target.push_back(-1);
  b.initializer(qualified(name, "shape"), target);
  b.node("Reshape", name, {qualified(name, "shape")}, out);
}

void emit_batch_norm(const BatchNorm<float>& bn, const std::string& name, GraphBuilder& b) {
  if (b.shape().empty() || b.shape()[0] != bn.num_features()) {
    fail(name, bn, "expects " + std::to_string(bn.num_features()) + " channels, receives " + shape_str(b.shape()));
  }
  const std::vector<std::string> inputs{qualified(name, "gamma"), qualified(name, "beta"),
                                        qualified(name, "running_mean"), qualified(name, "running_var")};
  b.initializer(inputs[0], bn.gamma.data());
  b.initializer(inputs[1], bn.beta.data());
  b.initializer(inputs[2], bn.running_mean.data());
  b.initializer(inputs[3], bn.running_var.data());
  // Eval form: (x - running_mean) / sqrt(running_var + eps) * gamma + beta.
  onnx::NodeProto& n = b.node("BatchNormalization", name, inputs, b.shape());
  set_float(n, "epsilon", static_cast<float>(bn.eps()));
}

void emit(const Module<float>& m, const std::string& name, GraphBuilder& b) {
  if (const auto* l = dynamic_cast<const Linear<float>*>(&m)) return emit_linear(*l, name, b);
  if (const auto* c = dynamic_cast<const Conv2d<float>*>(&m)) return emit_conv(*c, name, b);
  if (const auto* cp = dynamic_cast<const Conv2dMaxPool<float>*>(&m)) {
    emit_conv(*cp, name, b);
    emit_pool(cp->pooling(), "MaxPool", qualified(name, "pool"), b);
    if (cp->relu()) b.node("Relu", qualified(name, "relu"), {}, b.shape());
    return;
  }
  if (const auto* p = dynamic_cast<const MaxPool2d<float>*>(&m)) return emit_pool(*p, "MaxPool", name, b);
  if (const auto* p = dynamic_cast<const AvgPool2d<float>*>(&m)) return emit_pool(*p, "AveragePool", name, b);
  if (const auto* f = dynamic_cast<const Flatten<float>*>(&m)) return emit_flatten(*f, name, b);
  if (const auto* bn = dynamic_cast<const BatchNorm<float>*>(&m)) return emit_batch_norm(*bn, name, b);
  if (dynamic_cast<const ReLU<float>*>(&m)) return void(b.node("Relu", name, {}, b.shape()));
  if (dynamic_cast<const Sigmoid<float>*>(&m)) return void(b.node("Sigmoid", name, {}, b.shape()));
  if (dynamic_cast<const Tanh<float>*>(&m)) return void(b.node("Tanh", name, {}, b.shape()));
  if (dynamic_cast<const Dropout<float>*>(&m)) return;  // the identity in eval mode
  if (const auto* net = dynamic_cast<const models::MultiLayerNet<float>*>(&m)) {
    return emit_children_in(*net, net->layers(), name, b);
  }
  if (const auto* net = dynamic_cast<const models::TwoLayerNet<float>*>(&m)) {
    emit_linear(*net->affine1, qualified(name, "affine1"), b);
    b.node("Relu", qualified(name, "relu"), {}, b.shape());
    return emit_linear(*net->affine2, qualified(name, "affine2"), b);
  }
  if (dynamic_cast<const Sequential<float>*>(&m)) {
    for (const auto& [child, layer] : m.children()) emit(*layer, qualified(name, child), b);
    return;
  }
  throw OnnxExportError("export_onnx: layer '" + (name.empty() ? std::string("(the model)") : name) + "' (" +
                        m.describe() + ") has no ONNX form; exportable layers: Linear, Conv2d, MaxPool2d, Conv2dMaxPool, "
                        "AvgPool2d, Flatten, BatchNorm, ReLU, Sigmoid, Tanh, Dropout, and Sequential networks of them");
}

/// A value's type: float32 of shape (batch, dims...).
void set_type(onnx::ValueInfoProto& v, const std::string& name, const Shape& example) {
  v.set_name(name);
  onnx::TypeProto_Tensor* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* s = t->mutable_shape();
  s->add_dim()->set_dim_param(kBatchDim);
  for (std::size_t d : example) s->add_dim()->set_dim_value(static_cast<std::int64_t>(d));
}

}  // namespace

Shape onnx_input_shape(const Module<float>& model) {
  if (const auto* net = dynamic_cast<const models::SimpleConvNet<float>*>(&model)) {
    return {net->config().channels, net->config().height, net->config().width};
  }
  if (const auto* net = dynamic_cast<const models::DeepConvNet<float>*>(&model)) {
    return {net->config().channels, net->config().height, net->config().width};
  }
  if (const auto* net = dynamic_cast<const models::MultiLayerNet<float>*>(&model)) return {net->config().input_size};
  if (const auto* net = dynamic_cast<const models::TwoLayerNet<float>*>(&model)) return {net->affine1->W.data().shape()[0]};
  const Module<float>* first = &model;
  while (dynamic_cast<const Sequential<float>*>(first) && !first->children().empty()) {
    first = first->children().front().second.get();
  }
  if (const auto* l = dynamic_cast<const Linear<float>*>(first)) return {l->W.data().shape()[0]};
  throw OnnxExportError("export_onnx: cannot tell the input shape of " + model.describe() +
                        " (it does not start with a Linear layer): set OnnxExportOptions::example_shape");
}

std::string onnx_model_bytes(const Module<float>& model, const OnnxExportOptions& options) {
  const Shape example = options.example_shape.empty() ? onnx_input_shape(model) : options.example_shape;
  onnx::ModelProto proto;
  proto.set_ir_version(onnx::IR_VERSION);
  proto.set_producer_name("minidl");
  proto.set_producer_version(MINIDL_VERSION_STRING);
  proto.set_doc_string(options.description.empty() ? model.describe() : options.description);
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  for (const auto& [key, value] : options.metadata) {
    onnx::StringStringEntryProto* entry = proto.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name("minidl");
  set_type(*graph->add_input(), kInput, example);

  GraphBuilder builder(*graph, example);
  emit(model, "", builder);
  // The last node's output is the model's output: rename it (and keep the node's own name).
  if (!builder.has_nodes()) {
    builder.node("Identity", kOutput, {}, builder.shape());
  } else {
    onnx::NodeProto* last = graph->mutable_node(graph->node_size() - 1);
    last->set_output(0, kOutput);
  }
  set_type(*graph->add_output(), kOutput, builder.shape());

  // ONNX's own checks, so a broken export fails here and not in someone's runtime.
  try {
    onnx::checker::check_model(proto);
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(), {true, 1, false});
  } catch (const std::exception& e) {
    throw OnnxExportError(std::string("export_onnx: ONNX's checker rejects the exported model: ") + e.what());
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) throw OnnxExportError("export_onnx: protobuf could not serialize the model");
  return bytes;
}

void export_onnx(const Module<float>& model, const std::string& path, const OnnxExportOptions& options) {
  write_file_atomically(path, onnx_model_bytes(model, options));
}

}  // namespace minidl
