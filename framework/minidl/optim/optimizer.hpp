#pragma once
// Optimizer: the shared base of SGD, Momentum, Adam, ... It holds the parameter list and runs the
// update of each parameter that has a gradient; subclasses implement one parameter's rule and keep
// their per-parameter state indexed by the parameter's position.
//
// The base also owns the hooks every rule shares, applied to the gradient before the rule sees it:
//   1. gradient clipping by global norm (set_clip_norm): g ← g · max_norm / ‖g‖ when ‖g‖ > max_norm,
//      ‖g‖ = sqrt(Σ over all updated parameters of Σ g²);
//   2. weight decay (set_weight_decay): g ← g + λ·W, the gradient of an L2 penalty ½·λ·‖W‖² added
//      to the loss (the book's weight decay, chapter 6.4);
//   3. freezing (freeze): a frozen parameter is skipped entirely.
// Stored gradients are never modified: a gradient tensor may be shared by several parameters (an
// identity backward passes its upstream gradient on unchanged, see docs/architecture.md), so the
// adjusted gradient is written into a scratch buffer per parameter, allocated once and reused.
//
// Saving and restoring (what checkpoints use): spec() describes the optimizer as JSON (kind,
// hyper-parameters, hook settings) and make_optimizer_from_spec(spec, params) in optim/factory.hpp rebuilds
// it; export_state() / import_state() carry what it accumulated (step count, velocities, moments).
// Spec plus state restored into a fresh optimizer continue bit-identically.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "minidl/core/variable.hpp"
#include "minidl/optim/optimizer_state.hpp"

namespace minidl {

/// Base class for optimizers. Updates happen in place on each parameter's data, outside the graph.
template <typename T>
class Optimizer {
 public:
  /// Takes the parameters to update (e.g. model.parameters()) and the learning rate.
  Optimizer(std::vector<Variable<T>> params, double lr);
  virtual ~Optimizer() = default;

  /// Updates every parameter that has a gradient and is not frozen (others are skipped), after
  /// clipping and weight decay when they are on.
  void step();
  /// Drops every parameter's gradient.
  void zero_grad();

  /// The learning rate used by the next step().
  double lr() const { return lr_; }
  /// Changes the learning rate (schedules call this). Throws std::invalid_argument if lr < 0.
  void set_lr(double lr);
  /// Number of step() calls so far.
  std::size_t steps() const { return steps_; }
  /// The parameters being optimized.
  const std::vector<Variable<T>>& params() const { return params_; }

  /// L2 weight decay λ ≥ 0 for every parameter: the update sees g + λ·W (0 turns it off).
  void set_weight_decay(double lambda);
  /// λ for one parameter only, e.g. to decay weights but not biases as the book does.
  void set_weight_decay(std::size_t index, double lambda);
  /// λ for the parameter `p` (must be one of params(); std::invalid_argument otherwise).
  void set_weight_decay(const Variable<T>& p, double lambda);
  /// λ of parameter `index`.
  double weight_decay(std::size_t index) const { return decay_.at(index); }

  /// Clips the gradients of each step to a global L2 norm of at most `max_norm` (0 = off):
  /// g ← g · max_norm / ‖g‖ when ‖g‖ > max_norm. Throws std::invalid_argument if max_norm < 0.
  void set_clip_norm(double max_norm);
  /// The clipping threshold (0 = off).
  double clip_norm() const { return clip_norm_; }
  /// Global gradient norm measured by the last step() before clipping (0 while clipping is off).
  double last_grad_norm() const { return last_norm_; }

  /// Freezes (or with `frozen` = false unfreezes) parameter `index`: step() leaves it and its
  /// optimizer state untouched. Throws std::out_of_range for a bad index.
  void freeze(std::size_t index, bool frozen = true);
  /// Freezes the parameter `p` (must be one of params(); std::invalid_argument otherwise).
  void freeze(const Variable<T>& p, bool frozen = true);
  /// Same as freeze(index, false).
  void unfreeze(std::size_t index) { freeze(index, false); }
  /// Whether parameter `index` is frozen.
  bool is_frozen(std::size_t index) const { return frozen_.at(index) != 0; }

  /// Position of `p` in params(), by identity (the same node); throws std::invalid_argument if
  /// `p` is not optimized here.
  std::size_t index_of(const Variable<T>& p) const;

  /// The name make_optimizer accepts for this rule: "sgd", "momentum", "adam", ...
  virtual std::string kind() const = 0;
  /// The optimizer's settings as JSON, e.g.
  ///   {"kind": "adam", "lr": 0.001, "beta1": 0.9, "beta2": 0.999,
  ///    "weight_decay": 0, "clip_norm": 0, "frozen": []}
  /// "weight_decay" is one number when every parameter has the same λ, else one per parameter;
  /// "frozen" lists the indices of frozen parameters. Numbers are written so they read back exactly.
  nlohmann::json spec() const;
  /// Applies the settings a spec may change after construction (lr, weight_decay, clip_norm,
  /// frozen). The kind and the constructor's hyper-parameters (beta1, momentum, ...) must equal
  /// this optimizer's, and no other keys may appear; otherwise std::invalid_argument names the key
  /// and nothing changes.
  void apply_spec(const nlohmann::json& spec);

  /// A copy of the accumulated state: step count, per-parameter counters and state tensors.
  OptimizerState<T> export_state() const;
  /// Replaces the accumulated state with `state` (from export_state() of an optimizer of the same
  /// kind over parameters of the same shapes). Checks everything first: an unknown slot or
  /// counter, a parameter index out of range, a shape unlike the parameter's, or a counter of the
  /// wrong length throws std::invalid_argument naming it, and leaves the optimizer unchanged.
  void import_state(const OptimizerState<T>& state);
  /// The names of this rule's per-parameter state tensors ("m", "v" for Adam; none for SGD).
  std::vector<std::string> state_slot_names() const;
  /// The names of this rule's per-parameter counters ("t" for Adam; none for the others).
  std::vector<std::string> state_counter_names() const;

 protected:
  /// Where a rule keeps its state, for export_state() / import_state(): named per-parameter
  /// tensor slots and counters, each a vector indexed by parameter position (possibly shorter
  /// than params() while not every parameter has been updated).
  struct StateRefs {
    std::vector<std::pair<std::string, std::vector<Tensor<T>>*>> tensors;
    std::vector<std::pair<std::string, std::vector<std::size_t>*>> counters;
  };
  /// The rule's state vectors (none by default: SGD keeps no state).
  virtual StateRefs state_refs() { return {}; }
  /// Adds the rule's constructor hyper-parameters to a spec (nothing by default).
  virtual void add_hyperparameters(nlohmann::json& /*spec*/) const {}

  /// Applies the update rule to parameter `index` (data += f(grad, state)). `grad` is the stored
  /// gradient or, when a hook changed it, the scratch buffer holding the adjusted gradient.
  virtual void update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) = 0;

 private:
  std::vector<Variable<T>> params_;
  double lr_;
  std::size_t steps_ = 0;
  std::vector<double> decay_;       // λ per parameter
  std::vector<char> frozen_;        // 1 = skipped by step()
  std::vector<Tensor<T>> scratch_;  // adjusted gradients, allocated on first use
  double clip_norm_ = 0;
  double last_norm_ = 0;
};

/// The global L2 norm sqrt(Σ_p Σ g²) of the gradients of `params` (parameters without a gradient
/// count as zero). Accumulates in double.
template <typename T>
double grad_norm(const std::vector<Variable<T>>& params);

/// Clips gradients by global norm like torch.nn.utils.clip_grad_norm_: when the norm exceeds
/// `max_norm`, each gradient becomes g · max_norm / norm. Returns the norm before clipping.
/// Gradients may be shared tensors, so clipping never writes into them: each clipped parameter
/// gets a new, scaled gradient tensor (set_grad), leaving the old one untouched. (The optimizer's
/// set_clip_norm does the same without allocating.) Throws std::invalid_argument if max_norm < 0.
template <typename T>
double clip_grad_norm(const std::vector<Variable<T>>& params, double max_norm);

/// The parameters that want gradients (requires_grad), e.g. trainable(model.parameters()): pass
/// these to an optimizer to leave parameters with requires_grad = false alone.
template <typename T>
std::vector<Variable<T>> trainable(const std::vector<Variable<T>>& params);

}  // namespace minidl
