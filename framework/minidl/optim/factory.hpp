#pragma once
// Choosing an optimizer by name, for command-line programs ("--optimizer adam").

#include <memory>
#include <string>
#include <vector>

#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// The names make_optimizer accepts: sgd, momentum, nesterov, adagrad, rmsprop, adam.
const std::vector<std::string>& optimizer_names();

/// minidl's default learning rate for an optimizer, decided here and nowhere else: 0.1 for sgd (the
/// rate of the book's training scripts, which override its SGD class's 0.01), 0.001 for adam,
/// 0.01 for the others (the book's).
/// Throws std::invalid_argument for an unknown name (the message lists the known ones).
double default_lr(const std::string& name);

/// A new optimizer of the named kind over `params`. `lr` < 0 takes default_lr(name); `momentum`
/// is used by momentum and nesterov only. Throws std::invalid_argument for an unknown name.
template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& name, std::vector<Variable<T>> params,
                                             double lr = -1, double momentum = 0.9);

}  // namespace minidl
