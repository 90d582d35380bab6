// The ONNX exporter's structure: names, shapes, operators, attributes and initializers of the
// exported graph, and its errors. That ONNX Runtime computes minidl's logits from it is checked end
// to end by tests/interop/onnx_e2e.sh.

#include <catch2/catch.hpp>

#include "../test_support.hpp"

#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include <minidl/export/onnx.hpp>
#include <minidl/io/atomic_file.hpp>
#include <minidl/models/mlp.hpp>
#include <minidl/models/multi_layer_net.hpp>
#include <minidl/models/simple_conv_net.hpp>
#include <minidl/models/two_layer_net.hpp>
#include <minidl/nn/activation.hpp>
#include <minidl/nn/linear.hpp>
#include <minidl/nn/pooling.hpp>
#include <minidl/nn/sequential.hpp>

using namespace minidl;
using minidl_test::message_of;

namespace {

onnx::ModelProto exported(const Module<float>& model, const OnnxExportOptions& options = {}) {
  onnx::ModelProto proto;
  REQUIRE(proto.ParseFromString(onnx_model_bytes(model, options)));
  return proto;
}

std::vector<std::string> op_types(const onnx::ModelProto& m) {
  std::vector<std::string> ops;
  for (const auto& n : m.graph().node()) ops.push_back(n.op_type());
  return ops;
}

/// The dims of a graph input or output: a symbolic dim as its name, a fixed one as its number.
std::vector<std::string> dims(const onnx::ValueInfoProto& v) {
  std::vector<std::string> out;
  for (const auto& d : v.type().tensor_type().shape().dim()) {
    out.push_back(d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
  }
  return out;
}

const onnx::TensorProto& initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == name) return t;
  }
  FAIL("no initializer " << name);
  throw std::logic_error("unreachable");
}

const onnx::AttributeProto& attribute(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return a;
  }
  FAIL("node " << n.name() << " has no attribute " << name);
  throw std::logic_error("unreachable");
}

std::vector<std::int64_t> ints(const onnx::AttributeProto& a) { return {a.ints().begin(), a.ints().end()}; }

/// A layer ONNX export does not know.
class Square : public Module<float> {
 public:
  Variable<float> forward(const Variable<float>& x) override { return x; }
  std::string describe() const override { return "Square"; }
};

}  // namespace

TEST_CASE("onnx: an MLP becomes Gemm/Relu nodes on input (batch, 784) with its weights as initializers", "[onnx]") {
  Generator gen(1);
  models::MLP<float> mlp({784, 20, 10}, gen);
  const onnx::ModelProto m = exported(mlp);
  CHECK(m.opset_import_size() == 1);
  CHECK(m.opset_import(0).domain().empty());
  CHECK(m.opset_import(0).version() == 13);
  CHECK(m.producer_name() == "minidl");
  REQUIRE(m.graph().input_size() == 1);
  CHECK(m.graph().input(0).name() == "input");
  CHECK(dims(m.graph().input(0)) == std::vector<std::string>{"batch", "784"});
  REQUIRE(m.graph().output_size() == 1);
  CHECK(m.graph().output(0).name() == "logits");
  CHECK(dims(m.graph().output(0)) == std::vector<std::string>{"batch", "10"});
  CHECK(op_types(m) == std::vector<std::string>{"Gemm", "Relu", "Gemm"});
  CHECK(m.graph().node(2).output(0) == "logits");
  CHECK(m.graph().node(2).name() == "fc2");
  const onnx::TensorProto& w = initializer(m, "fc1.W");
  CHECK(std::vector<std::int64_t>(w.dims().begin(), w.dims().end()) == std::vector<std::int64_t>{784, 20});
  REQUIRE(w.float_data_size() == 784 * 20);
  const float* data = mlp.named_parameters()[0].second.data().data();
  CHECK(std::equal(w.float_data().begin(), w.float_data().end(), data));
  CHECK(m.graph().node(0).input(1) == "fc1.W");
  CHECK(m.graph().node(0).input(2) == "fc1.b");
}

TEST_CASE("onnx: SimpleConvNet keeps its convolution and pooling settings; Linear after a conv gets a Flatten", "[onnx]") {
  Generator gen(2);
  models::SimpleConvNetConfig cfg;
  cfg.filter_num = 4;
  cfg.pad = 1;
  cfg.stride = 2;
  cfg.hidden = 8;
  models::SimpleConvNet<float> net(gen, cfg);
  const onnx::ModelProto m = exported(net);
  CHECK(dims(m.graph().input(0)) == std::vector<std::string>{"batch", "1", "28", "28"});
  CHECK(op_types(m) == std::vector<std::string>{"Conv", "MaxPool", "Relu", "Flatten", "Gemm", "Relu", "Gemm"});
  const onnx::NodeProto& conv = m.graph().node(0);
  CHECK(ints(attribute(conv, "kernel_shape")) == std::vector<std::int64_t>{5, 5});
  CHECK(ints(attribute(conv, "strides")) == std::vector<std::int64_t>{2, 2});
  CHECK(ints(attribute(conv, "pads")) == std::vector<std::int64_t>{1, 1, 1, 1});
  CHECK(ints(attribute(m.graph().node(1), "kernel_shape")) == std::vector<std::int64_t>{2, 2});
  // 28 + 2 - 5 = 25, /2 + 1 = 13 after the conv, 6 after pooling: fc1 sees 4 * 6 * 6.
  CHECK(initializer(m, "fc1.W").dims(0) == 4 * 6 * 6);
  CHECK(dims(m.graph().output(0)) == std::vector<std::string>{"batch", "10"});
}

TEST_CASE("onnx: MultiLayerNet exports BatchNorm in eval form and drops Dropout, in forward order", "[onnx]") {
  models::MultiLayerNetConfig cfg;
  cfg.input_size = 12;
  cfg.hidden_sizes = {6, 5};
  cfg.output_size = 3;
  cfg.use_batchnorm = true;
  cfg.use_dropout = true;
  cfg.activation = Activation::Sigmoid;
  Generator gen(3);
  models::MultiLayerNet<float> net(cfg, gen);
  const onnx::ModelProto m = exported(net);
  CHECK(op_types(m) == std::vector<std::string>{"Gemm", "BatchNormalization", "Sigmoid", "Gemm", "BatchNormalization",
                                                "Sigmoid", "Gemm"});
  const onnx::NodeProto& bn = m.graph().node(1);
  CHECK(std::vector<std::string>(bn.input().begin(), bn.input().end()) ==
        std::vector<std::string>{"affine1", "bn1.gamma", "bn1.beta", "bn1.running_mean", "bn1.running_var"});
  CHECK(attribute(bn, "epsilon").f() == Approx(1e-6));
  CHECK(dims(m.graph().output(0)) == std::vector<std::string>{"batch", "3"});
}

TEST_CASE("onnx: TwoLayerNet and hand-built Sequential networks export; options reach the model", "[onnx]") {
  Generator gen(4);
  models::TwoLayerNet<float> two(7, 5, 3, gen);
  CHECK(op_types(exported(two)) == std::vector<std::string>{"Gemm", "Relu", "Gemm"});

  Sequential<float> seq;
  seq.add("pool", std::make_shared<AvgPool2d<float>>(3, 3, 1, 1));
  seq.add("flat", std::make_shared<Flatten<float>>(2));
  seq.add("tanh", std::make_shared<Tanh<float>>());
  seq.add("fc", std::make_shared<Linear<float>>(2 * 16, 4, gen));
  OnnxExportOptions options;
  options.example_shape = {2, 4, 4};
  options.description = "a test net";
  options.metadata["k"] = "v";
  const onnx::ModelProto m = exported(seq, options);
  CHECK(op_types(m) == std::vector<std::string>{"AveragePool", "Reshape", "Tanh", "Flatten", "Gemm"});
  CHECK(attribute(m.graph().node(0), "count_include_pad").i() == 1);
  const onnx::TensorProto& target = initializer(m, "flat.shape");
  CHECK(std::vector<std::int64_t>(target.int64_data().begin(), target.int64_data().end()) ==
        std::vector<std::int64_t>{0, 0, -1});
  CHECK(m.doc_string() == "a test net");
  REQUIRE(m.metadata_props_size() == 1);
  CHECK(m.metadata_props(0).key() == "k");
  CHECK(dims(m.graph().output(0)) == std::vector<std::string>{"batch", "4"});
}

TEST_CASE("onnx: layers without an ONNX form and shapes that do not fit are errors naming the layer", "[onnx]") {
  Generator gen(5);
  Sequential<float> custom;
  custom.add("fc", std::make_shared<Linear<float>>(4, 4, gen));
  custom.add("sq", std::make_shared<Square>());
  CHECK_THAT(message_of([&] { onnx_model_bytes(custom); }),
             Catch::StartsWith("export_onnx: layer 'sq' (Square) has no ONNX form; exportable layers: Linear"));

  Sequential<float> mismatch;
  mismatch.add("a", std::make_shared<Linear<float>>(4, 3, gen));
  mismatch.add("b", std::make_shared<Linear<float>>(5, 2, gen));
  CHECK(message_of([&] { onnx_model_bytes(mismatch); }) ==
        "export_onnx: layer 'b' (Linear(5 -> 2)): expects 5 inputs but receives 3");

  Sequential<float> pool_first;
  pool_first.add("pool", std::make_shared<MaxPool2d<float>>(2, 2, 2));
  CHECK_THAT(message_of([&] { onnx_model_bytes(pool_first); }), Catch::Contains("cannot tell the input shape"));
  OnnxExportOptions flat;
  flat.example_shape = {16};
  CHECK(message_of([&] { onnx_model_bytes(pool_first, flat); }) ==
        "export_onnx: layer 'pool' (" + pool_first.children()[0].second->describe() +
            "): expects (C, H, W) inputs per example, receives (16)");
}

TEST_CASE("onnx: export_onnx writes the file atomically and reports OS errors", "[onnx]") {
  Generator gen(6);
  models::MLP<float> mlp({3, 2}, gen);
  const std::string path =
      (std::filesystem::temp_directory_path() / ("minidl_test_export_" + std::to_string(::getpid()) + ".onnx")).string();
  export_onnx(mlp, path);
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(read_whole_file(path)));
  CHECK(op_types(m) == std::vector<std::string>{"Gemm"});
  CHECK(m.graph().node(0).output(0) == "logits");
  std::remove(path.c_str());
  CHECK_THROWS_AS(export_onnx(mlp, "/nonexistent_folder/m.onnx"), FileError);
}
