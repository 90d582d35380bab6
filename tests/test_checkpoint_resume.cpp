// Training checkpoints: a model and optimizer restored from a file continue bit-identically, for
// every optimizer kind; specs and run state come back as saved.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <minidl/io/checkpoint.hpp>
#include <minidl/minidl.hpp>

#include <minidl/models/model_spec.hpp>
#include <minidl/models/multi_layer_net.hpp>

using namespace minidl;

namespace {

// A small net with parameters and buffers (batch norm), trained on a fixed batch.
nlohmann::json net_spec() {
  return {{"kind", "multi_layer_net"},
          {"config", {{"input_size", 4}, {"hidden_sizes", {5}}, {"output_size", 3}, {"use_batchnorm", true}}}};
}

struct FixedBatch {
  Variable<float> x;
  std::vector<std::size_t> labels;
};

FixedBatch make_fixed_batch() {
  Generator g(7);
  return {Variable<float>(randn_tensor<float>({8, 4}, g)), {0, 1, 2, 0, 1, 2, 0, 1}};
}

void train_steps(Module<float>& model, Optimizer<float>& opt, const FixedBatch& b, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    softmax_cross_entropy(model.forward(b.x), b.labels).backward();
    opt.step();
  }
}

std::vector<Tensor<float>> state_of(const Module<float>& m) {
  std::vector<Tensor<float>> out;
  for (const auto& [name, v] : m.named_parameters()) out.push_back(v.data());
  for (const auto& [name, v] : m.named_buffers()) out.push_back(v.data());
  return out;
}

bool bit_equal(const std::vector<Tensor<float>>& a, const std::vector<Tensor<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].shape() != b[i].shape() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0) return false;
  }
  return true;
}

// Hooks on, so their settings must survive the file too.
std::unique_ptr<Optimizer<float>> make_opt(const std::string& kind, Module<float>& model) {
  auto opt = make_optimizer<float>(kind, model.parameters(), kind == "adam" ? 0.01 : 0.05);
  opt->set_weight_decay(0, 0.01);  // weights of the first layer only: a per-parameter list
  opt->set_clip_norm(5.0);
  opt->freeze(1);
  return opt;
}

}  // namespace

TEST_CASE("A restored model and optimizer continue bit-identically", "[checkpoint][resume]") {
  const std::string path = "minidl_test_resume_" + std::to_string(::getpid()) + ".ckpt";
  const FixedBatch batch = make_fixed_batch();
  constexpr int kBefore = 3, kAfter = 4;
  for (const std::string& kind : optimizer_names()) {
    DYNAMIC_SECTION(kind) {
      // Uninterrupted: kBefore + kAfter steps, saving after kBefore.
      Generator g1(1);
      auto model = models::make_model<float>(net_spec(), g1);
      auto opt = make_opt(kind, *model);
      train_steps(*model, *opt, batch, kBefore);
      const nlohmann::json run_state = {{"step", kBefore}, {"note", "any JSON"}};
      save_checkpoint<float>(path, *model, net_spec(), opt.get(), run_state);
      train_steps(*model, *opt, batch, kAfter);
      const auto uninterrupted = state_of(*model);

      // Resumed: everything rebuilt from the file alone.
      const CheckpointInfo info = read_checkpoint_info(path);
      REQUIRE(info.version == kCheckpointVersion);
      REQUIRE(info.dtype == "float32");
      REQUIRE(info.model_spec == net_spec());
      REQUIRE(info.optimizer_spec == opt->spec());
      REQUIRE(info.run_state == run_state);
      Generator g2(999);  // a different seed: every value must come from the file
      auto model2 = models::make_model<float>(info.model_spec, g2);
      auto opt2 = make_optimizer_from_spec<float>(info.optimizer_spec, model2->parameters());
      REQUIRE(opt2->is_frozen(1));
      REQUIRE(opt2->clip_norm() == 5.0);
      load_checkpoint<float>(path, *model2, opt2.get());
      REQUIRE(opt2->steps() == kBefore);
      train_steps(*model2, *opt2, batch, kAfter);
      REQUIRE(bit_equal(state_of(*model2), uninterrupted));

      // The comparison can fail: with weights but a fresh optimizer, stateful rules diverge.
      if (kind != "sgd") {
        Generator g3(5);
        auto model3 = models::make_model<float>(info.model_spec, g3);
        auto opt3 = make_opt(kind, *model3);
        load_checkpoint(*model3, path);
        train_steps(*model3, *opt3, batch, kAfter);
        REQUIRE_FALSE(bit_equal(state_of(*model3), uninterrupted));
      }
      std::remove(path.c_str());
    }
  }
}
