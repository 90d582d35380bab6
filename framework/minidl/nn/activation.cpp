#include "minidl/nn/activation.hpp"

#include <stdexcept>

#include "minidl/ops/elementwise.hpp"

namespace minidl {

Activation parse_activation(const std::string& name) {
  if (name == "relu" || name == "ReLU") return Activation::ReLU;
  if (name == "sigmoid" || name == "Sigmoid") return Activation::Sigmoid;
  if (name == "tanh" || name == "Tanh") return Activation::Tanh;
  throw std::invalid_argument("activation: unknown activation '" + name + "' (expected relu, sigmoid or tanh)");
}

const char* activation_name(Activation kind) {
  switch (kind) {
    case Activation::ReLU: return "relu";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
  }
  return "?";
}

template <typename T>
Variable<T> ReLU<T>::forward(const Variable<T>& x) {
  return relu(x);
}
template <typename T>
Variable<T> Sigmoid<T>::forward(const Variable<T>& x) {
  return sigmoid(x);
}
template <typename T>
Variable<T> Tanh<T>::forward(const Variable<T>& x) {
  return minidl::tanh(x);
}

template <typename T>
std::shared_ptr<Module<T>> make_activation(Activation kind) {
  switch (kind) {
    case Activation::ReLU: return std::make_shared<ReLU<T>>();
    case Activation::Sigmoid: return std::make_shared<Sigmoid<T>>();
    case Activation::Tanh: return std::make_shared<Tanh<T>>();
  }
  throw std::invalid_argument("activation: unknown kind");
}

template class ReLU<float>;
template class ReLU<double>;
template class Sigmoid<float>;
template class Sigmoid<double>;
template class Tanh<float>;
template class Tanh<double>;
template std::shared_ptr<Module<float>> make_activation<float>(Activation);
template std::shared_ptr<Module<double>> make_activation<double>(Activation);

}  // namespace minidl
