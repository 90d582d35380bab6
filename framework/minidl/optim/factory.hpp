#pragma once
// Choosing an optimizer by name, for command-line programs ("--optimizer adam").

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

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

/// Rebuilds an optimizer from its spec() over `params`: the kind, the constructor's
/// hyper-parameters (missing ones take the constructor defaults; "lr" missing takes
/// default_lr(kind)), then apply_spec() for weight decay, clipping and freezing. Its accumulated
/// state starts empty: restore it with import_state(). Throws std::invalid_argument naming the
/// problem for a spec that is not an object, an unknown kind, an unknown key, a value of the wrong
/// type or out of range, or per-parameter settings for a different number of parameters.
template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer_from_spec(const nlohmann::json& spec, std::vector<Variable<T>> params);

}  // namespace minidl
