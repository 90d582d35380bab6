// Networks described as data: spec() and make_model agree for every kind, load_model rebuilds a
// saved network from its file alone, and bad specs are rejected with a message naming the key.
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include <minidl/io/checkpoint.hpp>
#include <minidl/minidl.hpp>

#include <minidl/models/deep_conv_net.hpp>
#include <minidl/models/load_model.hpp>
#include <minidl/models/mlp.hpp>
#include <minidl/models/model_spec.hpp>
#include <minidl/models/multi_layer_net.hpp>
#include <minidl/models/simple_conv_net.hpp>
#include <minidl/models/two_layer_net.hpp>

using namespace minidl;
using nlohmann::json;

namespace {

// One small spec per kind, with non-default settings where the kind has them, and an input.
struct Case {
  json spec;
  Shape input;
};

std::vector<Case> cases() {
  return {
      {{{"kind", "two_layer_net"}, {"config", {{"input_size", 6}, {"hidden_size", 5}, {"output_size", 3}, {"weight_init_std", 0.5}}}},
       {4, 6}},
      {{{"kind", "mlp"}, {"config", {{"sizes", {6, 5, 4, 3}}, {"activation", "tanh"}, {"init", "xavier"}, {"stddev", 0.01}}}}, {4, 6}},
      {{{"kind", "multi_layer_net"},
        {"config", {{"input_size", 6}, {"hidden_sizes", {5, 4}}, {"output_size", 3}, {"activation", "sigmoid"}, {"init", "he"},
                    {"weight_init_std", 0.01}, {"weight_decay_lambda", 0.1}, {"use_batchnorm", true}, {"use_dropout", true},
                    {"dropout_ratio", 0.25}}}},
       {4, 6}},
      {{{"kind", "simple_conv_net"},
        {"config", {{"channels", 1}, {"height", 8}, {"width", 8}, {"filter_num", 2}, {"filter_size", 3}, {"stride", 1}, {"pad", 1},
                    {"hidden", 4}, {"classes", 3}, {"init", "std"}, {"stddev", 0.1}}}},
       {2, 1, 8, 8}},
      {{{"kind", "deep_conv_net"},
        {"config", {{"channels", 1}, {"height", 8}, {"width", 8}, {"hidden", 4}, {"classes", 3}, {"dropout", 0.25}}}},
       {2, 1, 8, 8}},
  };
}

// The spec a network reports about itself, through its concrete type.
json spec_of(const Module<float>& m) {
  if (auto p = dynamic_cast<const models::TwoLayerNet<float>*>(&m)) return p->spec();
  if (auto p = dynamic_cast<const models::MLP<float>*>(&m)) return p->spec();
  if (auto p = dynamic_cast<const models::MultiLayerNet<float>*>(&m)) return p->spec();
  if (auto p = dynamic_cast<const models::SimpleConvNet<float>*>(&m)) return p->spec();
  if (auto p = dynamic_cast<const models::DeepConvNet<float>*>(&m)) return p->spec();
  return nullptr;
}

bool same_bits(const Tensor<float>& a, const Tensor<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("Every network reports the spec it was built from", "[model_spec]") {
  REQUIRE(cases().size() == models::model_kinds().size());
  for (const auto& c : cases()) {
    DYNAMIC_SECTION(c.spec["kind"].get<std::string>()) {
      Generator gen(1);
      auto m = models::make_model<float>(c.spec, gen);
      REQUIRE(spec_of(*m) == c.spec);
      // And through text, as a checkpoint stores it.
      REQUIRE(json::parse(spec_of(*m).dump()) == c.spec);
    }
  }
}

TEST_CASE("load_model rebuilds every kind of network from its checkpoint alone", "[model_spec][load_model]") {
  const std::string path = "minidl_test_load_model_" + std::to_string(::getpid()) + ".ckpt";
  for (const auto& c : cases()) {
    DYNAMIC_SECTION(c.spec["kind"].get<std::string>()) {
      Generator gen(2);
      auto original = models::make_model<float>(c.spec, gen);
      // Batch-norm statistics move away from their initial values in one training-mode forward.
      Generator data_gen(3);
      const Variable<float> x(randn_tensor<float>(c.input, data_gen));
      original->forward(x);
      original->eval();
      const Tensor<float> expected = original->forward(x).data();
      save_checkpoint(path, *original, spec_of(*original), nullptr, {{"epoch", 4}});  // T deduced from the model

      LoadedModel loaded = load_model(path);
      REQUIRE(loaded.info.model_spec == c.spec);
      REQUIRE(loaded.info.run_state == json{{"epoch", 4}});
      REQUIRE(spec_of(*loaded.model) == c.spec);
      REQUIRE_FALSE(loaded.model->is_training());
      const auto a = original->named_parameters(), b = loaded.model->named_parameters();
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(same_bits(a[i].second.data(), b[i].second.data()));
      REQUIRE(same_bits(loaded.model->forward(x).data(), expected));
    }
  }
  std::remove(path.c_str());
}

TEST_CASE("load_model explains files it cannot rebuild from", "[model_spec][load_model]") {
  const std::string path = "minidl_test_load_model_bad_" + std::to_string(::getpid()) + ".ckpt";
  SECTION("a version-1 file has no spec") {
    REQUIRE_THROWS_WITH(load_model(std::string(MINIDL_TEST_FIXTURES) + "/v1_multilayer_bn.ckpt"),
                        Catch::Contains("holds no model spec (a version-1 file, weights only)"));
  }
  SECTION("a file saved without a spec") {
    Generator gen(1);
    models::MLP<float> m({3, 2}, gen);
    save_checkpoint(m, path);
    REQUIRE_THROWS_WITH(load_model(path), Catch::Contains("holds no model spec;"));
  }
  SECTION("float64 values") {
    Generator gen(1);
    models::MLP<double> m({3, 2}, gen);
    save_checkpoint<double>(path, m, m.spec(), nullptr, nullptr);
    REQUIRE_THROWS_WITH(load_model(path), Catch::Contains("holds float64 values"));
  }
  SECTION("a spec of an unknown kind") {
    Generator gen(1);
    models::MLP<float> m({3, 2}, gen);
    save_checkpoint<float>(path, m, {{"kind", "resnet"}}, nullptr, nullptr);
    REQUIRE_THROWS_WITH(load_model(path), Catch::Contains("checkpoint " + path + ": cannot build its model: model spec: unknown kind 'resnet'"));
  }
  SECTION("a spec that does not match the tensors") {
    Generator gen(1);
    models::MLP<float> m({3, 2}, gen);
    save_checkpoint<float>(path, m, {{"kind", "mlp"}, {"config", {{"sizes", {3, 4}}}}}, nullptr, nullptr);
    REQUIRE_THROWS_WITH(load_model(path), Catch::Contains("entry 'fc1.W'") && Catch::Contains("has shape (3,2) but the model expects (3,4)"));
  }
  std::remove(path.c_str());
}

TEST_CASE("make_model rejects bad specs with the key at fault", "[model_spec]") {
  Generator gen(1);
  auto fails = [&](const json& spec) {
    try {
      models::make_model<float>(spec, gen);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  REQUIRE_THAT(fails({{"kind", "resnet"}}), Catch::Contains("unknown kind 'resnet' (known: two_layer_net, mlp, multi_layer_net"));
  REQUIRE_THAT(fails(json::array()), Catch::Contains("needs {\"kind\": string"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"layers", 3}}), Catch::Contains("model spec (mlp): unknown key 'layers'"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", 3}}), Catch::Contains("'config' must be an object"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"sizes", {3, 0}}}}}), Catch::Contains("'sizes' must be an integer from 1 to"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"sizes", {3, -2}}}}}), Catch::Contains("'sizes' must be an integer from 1 to"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"sizes", {3, 1.5}}}}}), Catch::Contains("'sizes' must be an integer"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"sizes", {3, std::uint64_t(1) << 40}}}}}), Catch::Contains("1048576, got 1099511627776"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"sizes", {3}}}}}), Catch::Contains("MLP: needs at least an input and an output size"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"activation", "gelu"}}}}), Catch::Contains("'activation': activation: unknown activation 'gelu'"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"init", 3}}}}), Catch::Contains("'init' must be a name, got 3"));
  REQUIRE_THAT(fails({{"kind", "mlp"}, {"config", {{"hidden", 3}}}}), Catch::Contains("unknown config key 'hidden'"));
  REQUIRE_THAT(fails({{"kind", "multi_layer_net"}, {"config", {{"use_dropout", "yes"}}}}), Catch::Contains("'use_dropout' must be true or false"));
  REQUIRE_THAT(fails({{"kind", "two_layer_net"}, {"config", {{"weight_init_std", "big"}}}}), Catch::Contains("'weight_init_std' must be a number"));
  REQUIRE_THAT(fails({{"kind", "deep_conv_net"}, {"config", {{"dropout", 1.0}}}}), Catch::Contains("'dropout' must be in [0, 1)"));
  REQUIRE_THAT(fails({{"kind", "simple_conv_net"}, {"config", {{"height", 2}, {"width", 2}}}}), Catch::Contains("too small"));
  // Left-out keys take the constructor's defaults.
  auto m = models::make_model<float>({{"kind", "mlp"}, {"config", {{"sizes", {3, 2}}}}}, gen);
  REQUIRE(dynamic_cast<models::MLP<float>&>(*m).spec()["config"]["activation"] == "relu");
}

TEST_CASE("load_model takes a run folder: its best.ckpt when there is one, else its model.ckpt", "[model_spec][load_model]") {
  const std::string dir = "minidl_test_run_folder_" + std::to_string(::getpid());
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  SECTION("an empty folder is named") {
    REQUIRE_THROWS_WITH(load_model(dir), Catch::Contains("run folder " + dir + ": holds neither best.ckpt nor model.ckpt"));
  }
  SECTION("a missing path gives the OS reason") {
    REQUIRE_THROWS_WITH(load_model(dir + "/nothing"), Catch::Contains("cannot open: No such file or directory"));
  }
  SECTION("model.ckpt, then best.ckpt once it exists") {
    Generator gen(1);
    models::MLP<float> last({3, 2}, gen), best({3, 2}, gen);
    save_checkpoint<float>(dir + "/model.ckpt", last, last.spec(), nullptr, nullptr);
    LoadedModel a = load_model(dir);
    REQUIRE(a.path == dir + "/model.ckpt");
    REQUIRE(same_bits(a.model->named_parameters()[0].second.data(), last.named_parameters()[0].second.data()));
    save_checkpoint<float>(dir + "/best.ckpt", best, best.spec(), nullptr, nullptr);
    LoadedModel b = load_model(dir);
    REQUIRE(b.path == dir + "/best.ckpt");
    REQUIRE(same_bits(b.model->named_parameters()[0].second.data(), best.named_parameters()[0].second.data()));
    REQUIRE_FALSE(same_bits(a.model->named_parameters()[0].second.data(), b.model->named_parameters()[0].second.data()));
  }
  std::remove((dir + "/model.ckpt").c_str());
  std::remove((dir + "/best.ckpt").c_str());
  ::rmdir(dir.c_str());
}
