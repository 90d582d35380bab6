#pragma once
// The book's TwoLayerNet (chapters 4 and 5): Affine -> ReLU -> Affine -> SoftmaxWithLoss, with both
// ways of computing the gradient: numerical (chapter 4) and backprop (chapter 5).

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <minidl/nn/activation.hpp>
#include <minidl/nn/linear.hpp>

namespace minidl::models {

/// Gradients keyed by parameter name ("W1", "b1", "W2", "b2"), as the book's dict of grads.
template <typename T>
using GradMap = std::map<std::string, Tensor<T>>;

/// The book's parameter names (its params dict keys, as NumPy code saves them with np.savez) mapped
/// to TwoLayerNet's qualified names: W1 -> affine1.W, b1 -> affine1.b, W2 -> affine2.W,
/// b2 -> affine2.b. The name map of minidl::load_npz (io/npz.hpp).
const std::map<std::string, std::string>& two_layer_net_book_names();

/// Two affine layers with a ReLU between them; softmax-cross-entropy loss.
template <typename T>
class TwoLayerNet : public Module<T> {
 public:
  /// W1 (input, hidden) and W2 (hidden, output) ~ N(0, weight_init_std²) from `gen`; biases 0.
  TwoLayerNet(std::size_t input_size, std::size_t hidden_size, std::size_t output_size, Generator& gen,
              double weight_init_std = 0.01);

  /// Class scores (logits) for x (N, input): (N, output).
  Variable<T> predict(const Variable<T>& x);
  /// Same as predict (so the net can be used as a Module).
  Variable<T> forward(const Variable<T>& x) override { return predict(x); }
  /// Mean softmax-cross-entropy of the batch against integer labels (a 0-d Variable).
  Variable<T> loss(const Variable<T>& x, const std::vector<std::size_t>& labels);
  /// Fraction of rows of x classified correctly (evaluated without recording a graph).
  double accuracy(const Variable<T>& x, const std::vector<std::size_t>& labels);
  /// The chapter-4 gradient, computed incrementally: for every parameter element θ it still forms
  /// loss(θ+h) and loss(θ−h) (perturbed value static_cast<T>(θ ± h)) and returns (plus−minus)/(2h),
  /// but each perturbed loss comes from a cached forward pass (Z1 = x·W1 + b1, A1 = relu(Z1),
  /// Z2 = A1·W2 + b2, per-row loss terms) by updating only what the element touches: one hidden
  /// column for W1/b1, one logit column for W2/b2, and only the rows whose logits change. The cache
  /// and all arithmetic are in double, also for T = float (whose full-forward loss, evaluated in
  /// float, puts ~1e-3 of round-off noise into the gradient). Same loss as numerical_gradient_full_forward
  /// (for T = double they agree to rounding, ~1e-12); for 784-50-10 on 100 MNIST images it takes
  /// ~0.1-0.2 s instead of ~16 s. Parameters are never modified. Throws std::invalid_argument for
  /// bad shapes or labels (as loss() does), std::domain_error if a perturbed loss is not finite.
  GradMap<T> numerical_gradient(const Variable<T>& x, const std::vector<std::size_t>& labels, double h = 1e-4);
  /// The book's literal chapter-4 algorithm: for every parameter element, set it to θ ± h in place
  /// and run two full forward passes of loss() (slow: 79,520 forward passes for 784-50-10). Values
  /// are restored afterwards. Kept to compare against numerical_gradient.
  GradMap<T> numerical_gradient_full_forward(const Variable<T>& x, const std::vector<std::size_t>& labels,
                                             double h = 1e-4);
  /// The chapter-5 gradient: one forward and one backward pass.
  GradMap<T> gradient(const Variable<T>& x, const std::vector<std::size_t>& labels);

  std::string describe() const override { return "TwoLayerNet"; }
  /// The spec that rebuilds this network with models::make_model (models/model_spec.hpp):
  ///   {"kind": "two_layer_net", "config": {"input_size", "hidden_size", "output_size", "weight_init_std"}}.
  nlohmann::json spec() const;

  std::shared_ptr<Linear<T>> affine1;  ///< W1, b1 (the book's params['W1'], params['b1']).
  std::shared_ptr<Linear<T>> affine2;  ///< W2, b2.

 private:
  std::vector<std::pair<std::string, Variable<T>>> book_params() const;
  double weight_init_std_;
};

}  // namespace minidl::models
