#include "minidl/optim/factory.hpp"

#include <stdexcept>

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

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const std::string&, std::vector<Variable<float>>,
                                                                 double, double);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const std::string&, std::vector<Variable<double>>,
                                                                   double, double);

}  // namespace minidl
