// Each network's spec() and make_model, side by side so the key names written and read stay equal.
#include <minidl/models/model_spec.hpp>

#include <set>
#include <stdexcept>
#include <type_traits>

#include <minidl/models/deep_conv_net.hpp>
#include <minidl/models/mlp.hpp>
#include <minidl/models/multi_layer_net.hpp>
#include <minidl/models/simple_conv_net.hpp>
#include <minidl/models/two_layer_net.hpp>

namespace minidl::models {

namespace {

using nlohmann::json;

// Reads a config object strictly: typed getters that name the key on failure, defaults for
// missing keys, and finish() rejects keys nobody asked for (a typo must not pass silently).
class ConfigReader {
 public:
  ConfigReader(const json& config, std::string kind) : config_(config), kind_(std::move(kind)) {}

  std::size_t size(const char* key, std::size_t fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    return checked_size(*v, key);
  }
  /// Like size, but 0 is allowed (a padding).
  std::size_t count(const char* key, std::size_t fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (v->is_number_integer() && v->get<std::int64_t>() == 0) return 0;
    return checked_size(*v, key);
  }
  std::vector<std::size_t> sizes(const char* key, std::vector<std::size_t> fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_array()) fail(std::string("'") + key + "' must be a list of sizes, got " + v->dump());
    std::vector<std::size_t> out;
    for (const json& e : *v) out.push_back(checked_size(e, key));
    return out;
  }
  double number(const char* key, double fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number()) fail(std::string("'") + key + "' must be a number, got " + v->dump());
    return v->get<double>();
  }
  bool boolean(const char* key, bool fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(std::string("'") + key + "' must be true or false, got " + v->dump());
    return v->get<bool>();
  }
  Activation activation(const char* key, Activation fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    return parse(key, *v, [](const std::string& s) { return parse_activation(s); });
  }
  Init init(const char* key, Init fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    return parse(key, *v, [](const std::string& s) { return parse_init(s); });
  }
  void finish() const {
    for (const auto& [key, value] : config_.items()) {
      if (!used_.count(key)) fail("unknown config key '" + key + "'");
    }
  }

 private:
  const json* find(const char* key) {
    used_.insert(key);
    const auto it = config_.find(key);
    return it == config_.end() ? nullptr : &*it;
  }
  std::size_t checked_size(const json& v, const char* key) const {
    if (!(v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0)) || v.get<std::uint64_t>() == 0 || v.get<std::uint64_t>() > kMaxModelDimension) {
      fail(std::string("'") + key + "' must be an integer from 1 to " + std::to_string(kMaxModelDimension) + ", got " +
           v.dump());
    }
    return v.get<std::size_t>();
  }
  template <typename Parse>
  std::invoke_result_t<Parse, const std::string&> parse(const char* key, const json& v, Parse p) const {
    if (!v.is_string()) fail(std::string("'") + key + "' must be a name, got " + v.dump());
    try {
      return p(v.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(std::string("'") + key + "': " + e.what());
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("model spec (" + kind_ + "): " + what);
  }

  const json& config_;
  std::string kind_;
  std::set<std::string> used_;
};

json make_spec(const char* kind, json config) { return json{{"kind", kind}, {"config", std::move(config)}}; }

}  // namespace

const std::vector<std::string>& model_kinds() {
  static const std::vector<std::string> kinds{"two_layer_net", "mlp", "multi_layer_net", "simple_conv_net",
                                              "deep_conv_net"};
  return kinds;
}

template <typename T>
json TwoLayerNet<T>::spec() const {
  const Shape w1 = affine1->W.shape(), w2 = affine2->W.shape();
  return make_spec("two_layer_net", {{"input_size", w1[0]},
                                     {"hidden_size", w1[1]},
                                     {"output_size", w2[1]},
                                     {"weight_init_std", weight_init_std_}});
}

template <typename T>
json MLP<T>::spec() const {
  return make_spec("mlp", {{"sizes", sizes_},
                           {"activation", activation_name(activation_)},
                           {"init", init_name(init_)},
                           {"stddev", stddev_}});
}

template <typename T>
json MultiLayerNet<T>::spec() const {
  const MultiLayerNetConfig& c = config_;
  return make_spec("multi_layer_net", {{"input_size", c.input_size},
                                       {"hidden_sizes", c.hidden_sizes},
                                       {"output_size", c.output_size},
                                       {"activation", activation_name(c.activation)},
                                       {"init", init_name(c.init)},
                                       {"weight_init_std", c.weight_init_std},
                                       {"weight_decay_lambda", c.weight_decay_lambda},
                                       {"use_batchnorm", c.use_batchnorm},
                                       {"use_dropout", c.use_dropout},
                                       {"dropout_ratio", c.dropout_ratio}});
}

template <typename T>
json SimpleConvNet<T>::spec() const {
  const SimpleConvNetConfig& c = config_;
  return make_spec("simple_conv_net", {{"channels", c.channels},
                                       {"height", c.height},
                                       {"width", c.width},
                                       {"filter_num", c.filter_num},
                                       {"filter_size", c.filter_size},
                                       {"stride", c.stride},
                                       {"pad", c.pad},
                                       {"hidden", c.hidden},
                                       {"classes", c.classes},
                                       {"init", init_name(c.init)},
                                       {"stddev", c.stddev}});
}

template <typename T>
json DeepConvNet<T>::spec() const {
  const DeepConvNetConfig& c = config_;
  return make_spec("deep_conv_net", {{"channels", c.channels},
                                     {"height", c.height},
                                     {"width", c.width},
                                     {"hidden", c.hidden},
                                     {"classes", c.classes},
                                     {"dropout", c.dropout}});
}

template <typename T>
std::unique_ptr<Module<T>> make_model(const json& spec, Generator& gen) {
  if (!spec.is_object() || !spec.contains("kind") || !spec["kind"].is_string()) {
    throw std::invalid_argument("model spec: needs {\"kind\": string, \"config\": {...}}, got " + spec.dump());
  }
  const std::string kind = spec["kind"].get<std::string>();
  for (const auto& [key, value] : spec.items()) {
    if (key != "kind" && key != "config") throw std::invalid_argument("model spec (" + kind + "): unknown key '" + key + "'");
  }
  static const json empty = json::object();
  const json& config = spec.contains("config") ? spec["config"] : empty;
  if (!config.is_object()) {
    throw std::invalid_argument("model spec (" + kind + "): 'config' must be an object, got " + config.dump());
  }
  ConfigReader r(config, kind);
  std::unique_ptr<Module<T>> model;
  if (kind == "two_layer_net") {
    const std::size_t in = r.size("input_size", 784), hidden = r.size("hidden_size", 50), out = r.size("output_size", 10);
    const double stddev = r.number("weight_init_std", 0.01);
    r.finish();
    model = std::make_unique<TwoLayerNet<T>>(in, hidden, out, gen, stddev);
  } else if (kind == "mlp") {
    const auto sizes = r.sizes("sizes", {784, 100, 10});
    const Activation act = r.activation("activation", Activation::ReLU);
    const Init init = r.init("init", Init::He);
    const double stddev = r.number("stddev", 0.01);
    r.finish();
    model = std::make_unique<MLP<T>>(sizes, gen, act, init, stddev);
  } else if (kind == "multi_layer_net") {
    MultiLayerNetConfig c;
    c.input_size = r.size("input_size", c.input_size);
    c.hidden_sizes = r.sizes("hidden_sizes", c.hidden_sizes);
    c.output_size = r.size("output_size", c.output_size);
    c.activation = r.activation("activation", c.activation);
    c.init = r.init("init", c.init);
    c.weight_init_std = r.number("weight_init_std", c.weight_init_std);
    c.weight_decay_lambda = r.number("weight_decay_lambda", c.weight_decay_lambda);
    c.use_batchnorm = r.boolean("use_batchnorm", c.use_batchnorm);
    c.use_dropout = r.boolean("use_dropout", c.use_dropout);
    c.dropout_ratio = r.number("dropout_ratio", c.dropout_ratio);
    r.finish();
    model = std::make_unique<MultiLayerNet<T>>(c, gen);
  } else if (kind == "simple_conv_net") {
    SimpleConvNetConfig c;
    c.channels = r.size("channels", c.channels);
    c.height = r.size("height", c.height);
    c.width = r.size("width", c.width);
    c.filter_num = r.size("filter_num", c.filter_num);
    c.filter_size = r.size("filter_size", c.filter_size);
    c.stride = r.size("stride", c.stride);
    c.pad = r.count("pad", c.pad);
    c.hidden = r.size("hidden", c.hidden);
    c.classes = r.size("classes", c.classes);
    c.init = r.init("init", c.init);
    c.stddev = r.number("stddev", c.stddev);
    r.finish();
    model = std::make_unique<SimpleConvNet<T>>(gen, c);
  } else if (kind == "deep_conv_net") {
    DeepConvNetConfig c;
    c.channels = r.size("channels", c.channels);
    c.height = r.size("height", c.height);
    c.width = r.size("width", c.width);
    c.hidden = r.size("hidden", c.hidden);
    c.classes = r.size("classes", c.classes);
    c.dropout = r.number("dropout", c.dropout);
    r.finish();
    if (!(c.dropout >= 0 && c.dropout < 1)) {
      throw std::invalid_argument("model spec (deep_conv_net): 'dropout' must be in [0, 1), got " + std::to_string(c.dropout));
    }
    model = std::make_unique<DeepConvNet<T>>(gen, c);
  } else {
    std::string known;
    for (const auto& k : model_kinds()) known += (known.empty() ? "" : ", ") + k;
    throw std::invalid_argument("model spec: unknown kind '" + kind + "' (known: " + known + ")");
  }
  return model;
}

template std::unique_ptr<Module<float>> make_model<float>(const json&, Generator&);
template std::unique_ptr<Module<double>> make_model<double>(const json&, Generator&);
template json TwoLayerNet<float>::spec() const;
template json TwoLayerNet<double>::spec() const;
template json MLP<float>::spec() const;
template json MLP<double>::spec() const;
template json MultiLayerNet<float>::spec() const;
template json MultiLayerNet<double>::spec() const;
template json SimpleConvNet<float>::spec() const;
template json SimpleConvNet<double>::spec() const;
template json DeepConvNet<float>::spec() const;
template json DeepConvNet<double>::spec() const;

}  // namespace minidl::models
