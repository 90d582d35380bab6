#pragma once
// An optimizer's internal state in a portable form: what a checkpoint must hold for a restored
// optimizer to continue exactly as the original would have (same values, bit for bit).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "minidl/core/tensor.hpp"

namespace minidl {

/// One per-parameter state tensor, e.g. Adam's first moment of parameter 3: {"m", 3, tensor}.
template <typename T>
struct OptimizerStateTensor {
  std::string slot;     ///< The rule's name for it: "velocity" (Momentum, Nesterov), "h" (AdaGrad,
                        ///< RMSprop), "m" and "v" (Adam).
  std::size_t index;    ///< Position of the parameter in Optimizer::params().
  Tensor<T> value;      ///< Same shape as the parameter.
};

/// Everything an optimizer accumulates while it runs (its settings live in Optimizer::spec()).
/// Scratch buffers are not part of it: they are rewritten before every use.
template <typename T>
struct OptimizerState {
  /// Optimizer::steps(): step() calls so far.
  std::uint64_t steps = 0;
  /// Integer state with one value per parameter, by name: Adam's "t" (updates each parameter
  /// received, which sets its bias correction).
  std::map<std::string, std::vector<std::uint64_t>> counters;
  /// Tensor state. Only slots that exist are listed: a rule creates a parameter's slot (as zeros)
  /// on that parameter's first update, and a slot missing here is created the same way later.
  std::vector<OptimizerStateTensor<T>> tensors;
};

}  // namespace minidl
