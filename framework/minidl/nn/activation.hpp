#pragma once
// Activation layers: thin modules over the elementwise ops, so they can sit in a Sequential.

#include "minidl/nn/module.hpp"

namespace minidl {

/// Which activation a model builder should use.
enum class Activation { ReLU, Sigmoid, Tanh };

/// Parses "relu", "sigmoid", "tanh"; throws std::invalid_argument otherwise.
Activation parse_activation(const std::string& name);
/// The name parse_activation accepts for this kind: "relu", "sigmoid" or "tanh".
const char* activation_name(Activation kind);

/// max(0, x).
template <typename T>
class ReLU : public Module<T> {
 public:
  /// Applies relu elementwise.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override { return "ReLU"; }
};

/// 1 / (1 + exp(-x)).
template <typename T>
class Sigmoid : public Module<T> {
 public:
  /// Applies sigmoid elementwise.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override { return "Sigmoid"; }
};

/// tanh(x).
template <typename T>
class Tanh : public Module<T> {
 public:
  /// Applies tanh elementwise.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override { return "Tanh"; }
};

/// A new activation module of the given kind.
template <typename T>
std::shared_ptr<Module<T>> make_activation(Activation kind);

}  // namespace minidl
