#pragma once
// Module: the base of every layer and model. A module registers its parameters (and buffers such as
// BatchNorm's running statistics) and its child modules by name, so a whole model can enumerate
// them recursively in a stable order ("fc1.W", "fc1.b", "fc2.W", ...), zero their gradients,
// switch train/eval mode, and be saved and loaded by name.

#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// Base class for layers and models. Subclasses register state in their constructor and implement
/// forward(). Modules are held by shared_ptr so a child can be reused (applied twice) and shared.
template <typename T>
class Module {
 public:
  /// A (qualified name, variable) pair, e.g. ("fc1.W", W).
  using Named = std::pair<std::string, Variable<T>>;

  virtual ~Module() = default;

  /// Applies the module to one input.
  virtual Variable<T> forward(const Variable<T>& x) = 0;
  /// Same as forward(x).
  Variable<T> operator()(const Variable<T>& x) { return forward(x); }

  /// All parameters, this module's first (in registration order), then each child's, recursively.
  std::vector<Variable<T>> parameters() const;
  /// Parameters with qualified names ("fc1.W"), in the same order as parameters().
  std::vector<Named> named_parameters() const;
  /// Non-trainable state saved with the model (running means...), with qualified names.
  std::vector<Named> named_buffers() const;
  /// Direct children with their names, in registration order.
  const std::vector<std::pair<std::string, std::shared_ptr<Module<T>>>>& children() const { return children_; }
  /// Total number of parameter elements.
  std::size_t num_parameters() const;

  /// Drops every parameter's gradient (before the next backward()).
  void zero_grad();

  /// Switches this module and all children to training (true) or evaluation (false) mode.
  void train(bool on = true);
  /// Same as train(false): dropout off, batch norm uses running statistics.
  void eval() { train(false); }
  /// True in training mode (the default).
  bool is_training() const { return training_; }

  /// A short type name for printing ("Linear(784 -> 100)"). Override in subclasses.
  virtual std::string describe() const { return "Module"; }
  /// Prints the module tree with parameter shapes.
  void print(std::ostream& out, int indent = 0) const;

 protected:
  /// Registers a trainable parameter (sets requires_grad and its name) and returns it.
  Variable<T> register_parameter(const std::string& name, Variable<T> p);
  /// Registers non-trainable state that is saved and loaded with the parameters.
  Variable<T> register_buffer(const std::string& name, Variable<T> b);
  /// Registers a child module and returns it (typed, for convenient member initialisation).
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module<T>> m);
  void collect(const std::string& prefix, bool buffers, std::vector<Named>& out) const;

  std::vector<Named> params_;
  std::vector<Named> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module<T>>>> children_;
  bool training_ = true;
};

/// Evaluation mode for one scope: switches `module` to eval() and restores the mode it had (train or
/// eval) when the scope ends, also when an exception leaves it. Every "measure, then carry on
/// training" path uses it, so a failed evaluation never leaves dropout switched off.
template <typename T>
class EvalModeGuard {
 public:
  explicit EvalModeGuard(Module<T>& module) : module_(module), was_training_(module.is_training()) { module.eval(); }
  ~EvalModeGuard() { module_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  Module<T>& module_;
  bool was_training_;
};

/// Prints module.print().
template <typename T>
std::ostream& operator<<(std::ostream& out, const Module<T>& m);

}  // namespace minidl
