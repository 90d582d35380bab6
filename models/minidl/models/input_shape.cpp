#include <minidl/models/input_shape.hpp>

#include <stdexcept>
#include <string>

#include <minidl/models/deep_conv_net.hpp>
#include <minidl/models/simple_conv_net.hpp>

namespace minidl::models {

namespace {

// config[key] as a positive size, or `fallback` when the key is absent.
std::size_t size_or(const nlohmann::json& config, const char* key, std::size_t fallback, const std::string& kind) {
  if (!config.contains(key)) return fallback;
  const nlohmann::json& v = config.at(key);
  if (!v.is_number_integer() || v.get<long long>() <= 0)
    throw std::invalid_argument("model spec (" + kind + "): '" + key + "' must be a positive integer, got " + v.dump());
  return v.get<std::size_t>();
}

}  // namespace

Shape input_shape(const nlohmann::json& spec) {
  if (!spec.is_object() || !spec.contains("kind") || !spec.at("kind").is_string())
    throw std::invalid_argument("model spec: expected {\"kind\": string, \"config\": object}, got " + spec.dump());
  const std::string kind = spec.at("kind").get<std::string>();
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& config = spec.contains("config") && spec.at("config").is_object() ? spec.at("config") : kEmpty;
  if (kind == "two_layer_net" || kind == "multi_layer_net") return {size_or(config, "input_size", 784, kind)};
  if (kind == "mlp") {
    if (!config.contains("sizes")) return {784};
    const nlohmann::json& sizes = config.at("sizes");
    if (!sizes.is_array() || sizes.empty() || !sizes[0].is_number_integer() || sizes[0].get<long long>() <= 0)
      throw std::invalid_argument("model spec (mlp): 'sizes' must start with the input width, got " + sizes.dump());
    return {sizes[0].get<std::size_t>()};
  }
  if (kind == "simple_conv_net" || kind == "deep_conv_net") {
    // Both configs default to one 28x28 channel; read the defaults from the structs themselves.
    const SimpleConvNetConfig s;
    const DeepConvNetConfig d;
    const bool simple = kind == "simple_conv_net";
    return {size_or(config, "channels", simple ? s.channels : d.channels, kind),
            size_or(config, "height", simple ? s.height : d.height, kind),
            size_or(config, "width", simple ? s.width : d.width, kind)};
  }
  throw std::invalid_argument("model spec: unknown kind '" + kind + "'");
}

}  // namespace minidl::models
