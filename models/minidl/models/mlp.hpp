#pragma once
// A general multi-layer perceptron: Linear -> activation -> ... -> Linear (logits).

#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <minidl/nn/activation.hpp>
#include <minidl/nn/linear.hpp>
#include <minidl/nn/sequential.hpp>

namespace minidl::models {

/// Layer sizes {784, 100, 10} give Linear(784->100), activation, Linear(100->10).
template <typename T>
class MLP : public Sequential<T> {
 public:
  /// Builds the layers with weights from `gen`. `sizes` needs at least an input and an output size.
  /// Children are named fc1, act1, fc2, ... so parameters read "fc1.W".
  MLP(const std::vector<std::size_t>& sizes, Generator& gen, Activation activation = Activation::ReLU,
      Init init = Init::He, double stddev = 0.01);
  std::string describe() const override;
  /// The spec that rebuilds this network with models::make_model (models/model_spec.hpp):
  ///   {"kind": "mlp", "config": {"sizes": [...], "activation": "relu", "init": "he", "stddev": 0.01}}.
  nlohmann::json spec() const;

 private:
  std::vector<std::size_t> sizes_;
  Activation activation_;
  Init init_;
  double stddev_;
};

}  // namespace minidl::models
