#pragma once
// The book's MultiLayerNet and MultiLayerNetExtend (chapter 6): a fully connected network
//   [Affine -> (BatchNorm) -> activation -> (Dropout)] x hidden layers -> Affine -> softmax loss
// with a choice of activation, weight initialisation, L2 weight decay, batch norm and dropout.
//
// Weight decay the book's way: loss() returns the data loss PLUS ½·λ·Σ_l ‖W_l‖² over every Affine
// weight (not biases, not γ/β), so backward() alone yields ∂L/∂W = (data gradient) + λ·W and any
// plain optimizer applies the decay. An optimizer-side weight-decay hook does the same job on the
// gradient instead; use one or the other (leave weight_decay_lambda at 0 here when the optimizer
// decays), never both.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <minidl/core/random.hpp>
#include <minidl/nn/activation.hpp>
#include <minidl/nn/batch_norm.hpp>
#include <minidl/nn/dropout.hpp>
#include <minidl/nn/init.hpp>
#include <minidl/nn/linear.hpp>

namespace minidl::models {

/// The constructor arguments of the book's MultiLayerNet(Extend), with its defaults.
struct MultiLayerNetConfig {
  std::size_t input_size = 784;                           ///< Features per example.
  std::vector<std::size_t> hidden_sizes{100, 100, 100};   ///< One entry per hidden layer (may be empty).
  std::size_t output_size = 10;                           ///< Classes.
  Activation activation = Activation::ReLU;               ///< relu, sigmoid or tanh.
  Init init = Init::He;                                   ///< std (Init::Std), Xavier or He.
  double weight_init_std = 0.01;                          ///< The std used by Init::Std.
  double weight_decay_lambda = 0.0;                       ///< λ of the ½λΣ‖W‖² term in loss().
  bool use_batchnorm = false;                             ///< BatchNorm after each hidden Affine.
  bool use_dropout = false;                               ///< Dropout after each hidden activation.
  double dropout_ratio = 0.5;                             ///< Drop probability when use_dropout.
};

/// Children are registered as affine1, bn1, act1, dropout1, affine2, ..., affine{L} (the output
/// layer), so parameters read "affine1.W", "affine1.b", "bn1.gamma", "bn1.beta" and buffers
/// "bn1.running_mean", "bn1.running_var". forward()/predict() follow the module's train/eval mode
/// (batch statistics and dropout in training, running statistics and no dropout in eval).
template <typename T>
class MultiLayerNet : public Module<T> {
 public:
  /// Draws every weight from `gen` (biases 0, γ 1, β 0). With use_dropout the layer masks come
  /// from a generator the network owns, seeded with one draw from `gen` AFTER the weights, so a
  /// net with dropout starts from the same weights as one without. Throws std::invalid_argument for
  /// a zero size, a negative λ or a dropout ratio outside [0, 1).
  MultiLayerNet(const MultiLayerNetConfig& config, Generator& gen);
  MultiLayerNet(const MultiLayerNet&) = delete;
  MultiLayerNet& operator=(const MultiLayerNet&) = delete;

  /// Class scores (logits) for x (N, input_size) (or (N, ...) flattened): (N, output_size).
  Variable<T> predict(const Variable<T>& x);
  /// Same as predict.
  Variable<T> forward(const Variable<T>& x) override { return predict(x); }
  /// Mean softmax-cross-entropy against integer labels plus ½·λ·Σ‖W‖² (a 0-d Variable). Runs in
  /// the current mode (call train() first for the book's loss(x, t, train_flg=True)).
  Variable<T> loss(const Variable<T>& x, const std::vector<std::size_t>& labels);
  /// ½·λ·Σ_l ‖W_l‖² over all Affine weights (0-d; exactly 0 when λ = 0).
  Variable<T> weight_decay_term() const;
  /// Fraction of rows classified correctly, evaluated in EVAL mode without a graph (the book's
  /// accuracy calls predict(x, train_flg=False)); the previous mode is restored afterwards.
  double accuracy(const Variable<T>& x, const std::vector<std::size_t>& labels);

  /// The generator dropout masks are drawn from. Re-seeding it before each forward gives the same
  /// masks every time (how the tests gradient-check a dropout network).
  Generator& dropout_generator() { return *dropout_gen_; }
  const MultiLayerNetConfig& config() const { return config_; }
  /// Every layer in the order forward() applies them (affine1, bn1, act1, dropout1, affine2, ...):
  /// registration order differs, as all affine layers are registered first.
  const std::vector<std::shared_ptr<Module<T>>>& layers() const { return layers_; }
  /// "MultiLayerNet(784-100-100-10, relu, he, bn, dropout 0.5, weight decay 0.1)".
  std::string describe() const override;
  /// The spec that rebuilds this network with models::make_model (models/model_spec.hpp):
  ///   {"kind": "multi_layer_net", "config": {every MultiLayerNetConfig field by name}}.
  nlohmann::json spec() const;

  std::vector<std::shared_ptr<Linear<T>>> affines;        ///< affine1 .. affine{L}.
  std::vector<std::shared_ptr<BatchNorm<T>>> batch_norms; ///< bn1 .. (empty without batch norm).

 private:
  MultiLayerNetConfig config_;
  std::unique_ptr<Generator> dropout_gen_;                // heap: stable address for the Dropout layers
  std::vector<std::shared_ptr<Module<T>>> layers_;        // every layer in application order
};

/// The book's name for the network with batch norm and dropout options: the same class here.
template <typename T>
using MultiLayerNetExtend = MultiLayerNet<T>;

}  // namespace minidl::models
