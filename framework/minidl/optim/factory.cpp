#include "minidl/optim/factory.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "minidl/optim/adagrad.hpp"
#include "minidl/optim/adam.hpp"
#include "minidl/optim/momentum.hpp"
#include "minidl/optim/nesterov.hpp"
#include "minidl/optim/rmsprop.hpp"
#include "minidl/optim/sgd.hpp"

namespace minidl {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"};
  return names;
}

namespace {

[[noreturn]] void unknown(const std::string& name) {
  std::string known;
  for (const auto& n : optimizer_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown optimizer '" + name + "' (known: " + known + ")");
}

}  // namespace

double default_lr(const std::string& name) {
  if (name == "adam") return 0.001;
  if (name == "sgd") return 0.1;
  for (const auto& n : optimizer_names())
    if (n == name) return 0.01;
  unknown(name);
}

template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& name, std::vector<Variable<T>> params, double lr,
                                             double momentum) {
  if (lr < 0) lr = default_lr(name);
  if (name == "sgd") return std::make_unique<SGD<T>>(std::move(params), lr);
  if (name == "momentum") return std::make_unique<Momentum<T>>(std::move(params), lr, momentum);
  if (name == "nesterov") return std::make_unique<Nesterov<T>>(std::move(params), lr, momentum);
  if (name == "adagrad") return std::make_unique<AdaGrad<T>>(std::move(params), lr);
  if (name == "rmsprop") return std::make_unique<RMSprop<T>>(std::move(params), lr);
  if (name == "adam") return std::make_unique<Adam<T>>(std::move(params), lr);
  unknown(name);
}

namespace {

// spec[key] as a number, or `fallback` when the key is absent.
double hyper(const nlohmann::json& spec, const char* key, double fallback) {
  if (!spec.contains(key)) return fallback;
  const nlohmann::json& v = spec[key];
  if (!v.is_number()) throw std::invalid_argument(std::string("optimizer spec: '") + key + "' must be a number, got " + v.dump());
  return v.get<double>();
}

}  // namespace

template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer_from_spec(const nlohmann::json& spec, std::vector<Variable<T>> params) {
  if (!spec.is_object()) throw std::invalid_argument("optimizer spec: must be a JSON object, got " + spec.dump());
  if (!spec.contains("kind") || !spec["kind"].is_string()) {
    throw std::invalid_argument("optimizer spec: needs a \"kind\" string, got " + spec.dump());
  }
  const std::string kind = spec["kind"].get<std::string>();
  const double lr = hyper(spec, "lr", default_lr(kind));  // default_lr rejects an unknown kind
  std::unique_ptr<Optimizer<T>> opt;
  if (kind == "sgd") opt = std::make_unique<SGD<T>>(std::move(params), lr);
  if (kind == "momentum") opt = std::make_unique<Momentum<T>>(std::move(params), lr, hyper(spec, "momentum", 0.9));
  if (kind == "nesterov") opt = std::make_unique<Nesterov<T>>(std::move(params), lr, hyper(spec, "momentum", 0.9));
  if (kind == "adagrad") opt = std::make_unique<AdaGrad<T>>(std::move(params), lr);
  if (kind == "rmsprop") opt = std::make_unique<RMSprop<T>>(std::move(params), lr, hyper(spec, "decay_rate", 0.99));
  if (kind == "adam") {
    opt = std::make_unique<Adam<T>>(std::move(params), lr, hyper(spec, "beta1", 0.9), hyper(spec, "beta2", 0.999));
  }
  // The constructor took the hyper-parameters; apply_spec checks that nothing else is in the spec
  // and sets the hooks. Keys left out keep the constructor's values, so compare against those.
  nlohmann::json full = opt->spec();
  for (const auto& [key, value] : spec.items()) full[key] = value;
  opt->apply_spec(full);
  return opt;
}

template std::unique_ptr<Optimizer<float>> make_optimizer_from_spec<float>(const nlohmann::json&, std::vector<Variable<float>>);
template std::unique_ptr<Optimizer<double>> make_optimizer_from_spec<double>(const nlohmann::json&, std::vector<Variable<double>>);
template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const std::string&, std::vector<Variable<float>>,
                                                                 double, double);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const std::string&, std::vector<Variable<double>>,
                                                                   double, double);

}  // namespace minidl
