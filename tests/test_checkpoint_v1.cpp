// Format version 1 (weights only) stays readable: a file written by the version-1 code is
// committed as a fixture, and loading it must give back exactly the values it was written with.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <minidl/io/checkpoint.hpp>
#include <minidl/minidl.hpp>

#include <minidl/models/multi_layer_net.hpp>

using namespace minidl;

namespace {

const std::string kFixture = std::string(MINIDL_TEST_FIXTURES) + "/v1_multilayer_bn.ckpt";

// What the version-1 writer saved (printed with %a when the fixture was made).
const std::vector<std::pair<std::string, std::vector<float>>> kExpected = {
    {"affine1.W", {0x1.453358p-1f, 0x1.3e766p-3f, 0x1.1d5be2p-1f, -0x1.35fe04p+0f, 0x1.77b216p-1f, -0x1.2e76a8p-4f}},
    {"affine1.b", {0x1.8p-1f, 0x1p+0f}},
    {"affine2.W", {-0x1.fcd10ep-1f, -0x1.7d659ep+0f, -0x1.c201e4p-1f, -0x1.39433cp-2f}},
    {"affine2.b", {0x1.4p+0f, 0x1.8p+0f}},
    {"bn1.gamma", {0x1.cp+0f, 0x1p+1f}},
    {"bn1.beta", {0x1.2p+1f, 0x1.4p+1f}},
    {"bn1.running_mean", {0x1p-3f, 0x1p-2f}},
    {"bn1.running_var", {0x1.8p-2f, 0x1p-1f}},
};

models::MultiLayerNetConfig fixture_config() {
  models::MultiLayerNetConfig c;
  c.input_size = 3;
  c.hidden_sizes = {2};
  c.output_size = 2;
  c.use_batchnorm = true;
  return c;
}

void require_fixture_values(const Module<float>& net) {
  auto named = net.named_parameters();
  const auto buffers = net.named_buffers();
  named.insert(named.end(), buffers.begin(), buffers.end());
  REQUIRE(named.size() == kExpected.size());
  for (const auto& [name, values] : kExpected) {
    INFO(name);
    const auto it = std::find_if(named.begin(), named.end(), [&](const auto& p) { return p.first == name; });
    REQUIRE(it != named.end());
    const Tensor<float>& t = it->second.data();
    REQUIRE(t.size() == values.size());
    for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(t.data()[i] == values[i]);  // exact: raw bytes
  }
}

}  // namespace

TEST_CASE("A version-1 checkpoint file still loads with the values it was written with", "[checkpoint][v1]") {
  Generator gen(99);  // another seed: every value must come from the file
  models::MultiLayerNet<float> net(fixture_config(), gen);
  load_checkpoint(net, kFixture);
  require_fixture_values(net);
}

TEST_CASE("A version-1 checkpoint has no specs and cannot restore an optimizer", "[checkpoint][v1]") {
  const CheckpointInfo info = read_checkpoint_info(kFixture);
  REQUIRE(info.version == 1);
  REQUIRE(info.dtype == "float32");
  REQUIRE(info.model_spec.is_null());
  REQUIRE(info.optimizer_spec.is_null());
  REQUIRE(info.run_state.is_null());
  Generator gen(99);
  models::MultiLayerNet<float> net(fixture_config(), gen);
  const Tensor<float> before = net.parameters()[0].data();
  SGD<float> sgd(net.parameters(), 0.1);
  REQUIRE_THROWS_WITH(load_checkpoint<float>(kFixture, net, &sgd), Catch::Contains("is a version-1 checkpoint: it holds weights only"));
  REQUIRE((net.parameters()[0].data() == before));
  REQUIRE(load_checkpoint<float>(kFixture, net, nullptr).version == 1);
  require_fixture_values(net);
}
