#pragma once
// Sequential: applies its children in order.

#include "minidl/nn/module.hpp"

namespace minidl {

/// A chain of modules; children are named "0", "1", ... unless a name is given.
template <typename T>
class Sequential : public Module<T> {
 public:
  Sequential() = default;
  /// Appends a module named `name` (the same (name, module) order as register_module); returns
  /// *this for chaining.
  Sequential& add(std::string name, std::shared_ptr<Module<T>> m);
  /// Appends a module named by its position ("0", "1", ...); returns *this for chaining.
  Sequential& add(std::shared_ptr<Module<T>> m);
  /// Applies every child in order.
  Variable<T> forward(const Variable<T>& x) override;
  std::string describe() const override { return "Sequential"; }
  /// Number of children.
  std::size_t size() const { return this->children().size(); }
};

}  // namespace minidl
