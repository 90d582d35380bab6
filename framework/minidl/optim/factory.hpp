#pragma once
// Choosing an optimizer by name, for command-line programs ("--optimizer adam").

#include <memory>
#include <string>
#include <vector>

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// The names make_optimizer accepts: sgd, momentum, nesterov, adagrad, rmsprop, adam.
const std::vector<std::string>& optimizer_names();

/// The book's default learning rate for an optimizer: 0.001 for adam, 0.01 for the others.
/// Throws std::invalid_argument for an unknown name (the message lists the known ones).
double default_lr(const std::string& name);

/// A new optimizer of the named kind over `params`. `lr` < 0 takes default_lr(name); `momentum`
/// is used by momentum and nesterov only. Throws std::invalid_argument for an unknown name.
template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& name, std::vector<Variable<T>> params,
                                             double lr = -1, double momentum = 0.9);

}  // namespace minidl
