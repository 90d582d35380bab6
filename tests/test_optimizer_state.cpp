// Optimizer settings as JSON and accumulated state: round trips, strict checks, and no partial
// changes on failure.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <string>

#include <minidl/io/checkpoint.hpp>
#include <minidl/minidl.hpp>

#include <minidl/models/mlp.hpp>

using namespace minidl;
using nlohmann::json;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

// Two parameters with gradients, so a step creates state for both.
struct Params {
  Variable<double> a = Variable<double>(full_tensor<double>({2, 2}, 1.0), true);
  Variable<double> b = Variable<double>(full_tensor<double>({3}, -1.0), true);
  std::vector<Variable<double>> all() const { return {a, b}; }
  void grads() const {
    (sum(a * a) + sum(b * 3.0)).backward();
  }
};

}  // namespace

TEST_CASE("Every optimizer's spec rebuilds an equal optimizer", "[optim][spec]") {
  for (const std::string& kind : optimizer_names()) {
    DYNAMIC_SECTION(kind) {
      Params p;
      auto opt = make_optimizer<double>(kind, p.all(), 0.125, 0.5);
      opt->set_weight_decay(1, 0.25);
      opt->set_clip_norm(2.0);
      opt->freeze(0);
      const json spec = opt->spec();
      REQUIRE(spec["kind"] == kind);
      REQUIRE(spec["lr"] == 0.125);
      REQUIRE(spec["weight_decay"] == json{0.0, 0.25});
      REQUIRE(spec["frozen"] == json{0});
      if (kind == "momentum" || kind == "nesterov") REQUIRE(spec["momentum"] == 0.5);
      auto copy = make_optimizer_from_spec<double>(json::parse(spec.dump()), p.all());
      REQUIRE(copy->kind() == kind);
      REQUIRE(copy->spec() == spec);
    }
  }
}

TEST_CASE("Optimizer specs are checked key by key", "[optim][spec]") {
  Params p;
  auto build = [&](const json& spec) { return error_of([&] { make_optimizer_from_spec<double>(spec, p.all()); }); };
  REQUIRE_THAT(build({{"kind", "adamw"}}), Catch::Contains("unknown optimizer 'adamw' (known: sgd, momentum"));
  REQUIRE_THAT(build(json::array()), Catch::Contains("must be a JSON object"));
  REQUIRE_THAT(build({{"lr", 0.1}}), Catch::Contains("needs a \"kind\" string"));
  REQUIRE_THAT(build({{"kind", "sgd"}, {"momentum", 0.9}}), Catch::Contains("unknown key 'momentum' for an optimizer of kind 'sgd'"));
  REQUIRE_THAT(build({{"kind", "adam"}, {"beta1", "0.9"}}), Catch::Contains("'beta1' must be a number, got \"0.9\""));
  REQUIRE_THAT(build({{"kind", "adam"}, {"beta1", 1.5}}), Catch::Contains("Adam: beta1 must be in [0, 1)"));
  REQUIRE_THAT(build({{"kind", "sgd"}, {"lr", -1}}), Catch::Contains("learning rate must be >= 0"));
  REQUIRE_THAT(build({{"kind", "sgd"}, {"weight_decay", {0.1, 0.2, 0.3}}}), Catch::Contains("'weight_decay' must be a number or 2 numbers"));
  REQUIRE_THAT(build({{"kind", "sgd"}, {"weight_decay", -0.5}}), Catch::Contains("'weight_decay' must be >= 0"));
  REQUIRE_THAT(build({{"kind", "sgd"}, {"frozen", {2}}}), Catch::Contains("'frozen' holds 2, not a parameter index below 2"));
  REQUIRE_THAT(build({{"kind", "sgd"}, {"clip_norm", nullptr}}), Catch::Contains("'clip_norm' must be a number"));
  // Left-out keys take the defaults.
  REQUIRE(make_optimizer_from_spec<double>({{"kind", "adam"}}, p.all())->spec()["beta2"] == 0.999);
  REQUIRE(make_optimizer_from_spec<double>({{"kind", "momentum"}}, p.all())->lr() == 0.01);

  // apply_spec changes only what may change after construction, and nothing on failure.
  Adam<double> adam(p.all(), 0.01, 0.8, 0.99);
  json other = adam.spec();
  other["beta1"] = 0.9;
  other["lr"] = 0.5;
  REQUIRE_THAT(error_of([&] { adam.apply_spec(other); }), Catch::Contains("'beta1' is 0.9 but this optimizer was built with 0.8"));
  REQUIRE(adam.lr() == 0.01);
  other = adam.spec();
  other["kind"] = "sgd";
  REQUIRE_THAT(error_of([&] { adam.apply_spec(other); }), Catch::Contains("kind \"sgd\" does not match this optimizer ('adam')"));
  other = adam.spec();
  other.erase("beta2");
  REQUIRE_THAT(error_of([&] { adam.apply_spec(other); }), Catch::Contains("missing 'beta2'"));
  other = adam.spec();
  other["lr"] = 0.5;
  other["frozen"] = {1};
  adam.apply_spec(other);
  REQUIRE(adam.lr() == 0.5);
  REQUIRE(adam.is_frozen(1));
  REQUIRE_FALSE(adam.is_frozen(0));
}

TEST_CASE("Exported state imports into a fresh optimizer; bad state is refused whole", "[optim][state]") {
  Params p;
  Adam<double> adam(p.all());
  p.grads();
  adam.step();
  adam.freeze(1);
  adam.step();  // parameter 1 gets one update, parameter 0 two
  const OptimizerState<double> s = adam.export_state();
  REQUIRE(s.steps == 2);
  REQUIRE(s.counters.at("t") == std::vector<std::uint64_t>{2, 1});
  REQUIRE(s.tensors.size() == 4);  // m and v of both parameters
  REQUIRE(adam.state_slot_names() == std::vector<std::string>{"m", "v"});
  REQUIRE(adam.state_counter_names() == std::vector<std::string>{"t"});

  Params q;
  Adam<double> fresh(q.all());
  fresh.import_state(s);
  const OptimizerState<double> back = fresh.export_state();
  REQUIRE(back.steps == 2);
  REQUIRE(back.counters == s.counters);
  REQUIRE(back.tensors.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    REQUIRE(back.tensors[i].slot == s.tensors[i].slot);
    REQUIRE(back.tensors[i].index == s.tensors[i].index);
    REQUIRE((back.tensors[i].value == s.tensors[i].value));
  }

  auto refused = [&](OptimizerState<double> bad, const std::string& why) {
    Adam<double> target(q.all());
    REQUIRE_THAT(error_of([&] { target.import_state(bad); }), Catch::Contains(why));
    REQUIRE(target.steps() == 0);
    REQUIRE(target.export_state().tensors.empty());
  };
  OptimizerState<double> bad = s;
  bad.tensors[0].slot = "velocity";
  refused(bad, "an optimizer of kind 'adam' has no state 'velocity'");
  bad = s;
  bad.tensors[1].index = 7;
  refused(bad, "of parameter 7, but there are only 2 parameters");
  bad = s;
  bad.tensors[0].value = full_tensor<double>({4}, 0.0);
  refused(bad, "has shape (4) but the parameter has shape (2,2)");
  bad = s;
  bad.tensors.push_back(s.tensors[0]);
  refused(bad, "appears twice");
  bad = s;
  bad.counters["t"] = {1};
  refused(bad, "counter 't' has 1 values for 2 parameters");
  bad = s;
  bad.counters.clear();
  refused(bad, "missing counter 't'");
  bad = s;
  bad.counters["u"] = {1, 1};
  refused(bad, "has no counter 'u'");
}

TEST_CASE("A scalar parameter's optimizer state starts at zero", "[optim][state]") {
  // A 0-d parameter has the shape of a default tensor; its state slot must still start as zeros.
  for (int trial = 0; trial < 3; ++trial) {
    Variable<double> w(full_tensor<double>({}, 2.0), true);
    Momentum<double> opt({w}, 0.5, 0.9);
    (w * 3.0).backward();
    opt.step();
    REQUIRE(w.data()() == 2.0 - 0.5 * 3.0);  // v = 0.9·0 − 0.5·3
  }
}

TEST_CASE("load_checkpoint leaves model and optimizer untouched when the optimizer does not match", "[checkpoint][optim]") {
  const std::string path = "minidl_test_opt_mismatch_" + std::to_string(::getpid()) + ".ckpt";
  Generator g(1);
  models::MLP<float> m({3, 2}, g);
  Adam<float> saved(m.parameters(), 0.01, 0.5, 0.999);
  save_checkpoint<float>(path, m, m.spec(), &saved, nullptr);

  Generator g2(2);
  models::MLP<float> target({3, 2}, g2);
  const Tensor<float> before = target.parameters()[0].data();
  Adam<float> other(target.parameters(), 0.02, 0.9, 0.999);
  REQUIRE_THROWS_WITH(load_checkpoint<float>(path, target, &other),
                      Catch::Contains("checkpoint " + path + ": metadata (byte offset 24): cannot restore the optimizer") &&
                          Catch::Contains("'beta1' is 0.5 but this optimizer was built with 0.9"));
  REQUIRE(other.lr() == 0.02);
  REQUIRE((target.parameters()[0].data() == before));
  SGD<float> sgd(target.parameters(), 0.1);
  REQUIRE_THROWS_WITH(load_checkpoint<float>(path, target, &sgd), Catch::Contains("does not match this optimizer ('sgd')"));
  // A weights-only file cannot restore an optimizer.
  save_checkpoint(m, path);
  REQUIRE_THROWS_WITH(load_checkpoint<float>(path, target, &sgd), Catch::Contains("holds no optimizer state"));
  // An optimizer over parameters the model does not have cannot be saved with it.
  Variable<float> stray(full_tensor<float>({1}, 0.f), true);
  SGD<float> foreign({stray}, 0.1);
  REQUIRE_THROWS_WITH(save_checkpoint<float>(path, m, nullptr, &foreign, nullptr),
                      Catch::Contains("optimizer parameter 0") && Catch::Contains("is not a parameter of the model"));
  std::remove(path.c_str());
}
