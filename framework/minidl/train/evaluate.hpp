#pragma once
// Measuring a classifier on a dataset: accuracy and mean cross-entropy, in eval mode, no graph.

#include <cstddef>

#include "minidl/data/dataset.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// What evaluate() measured.
struct Evaluation {
  double loss = 0;         ///< mean softmax cross-entropy over the items
  double accuracy = 0;     ///< fraction whose argmax score is the label, in [0, 1]
  std::size_t items = 0;   ///< how many items were measured
};

/// Loss and accuracy over the first `limit` items of `data` (0 = all), in batches of `batch` rows,
/// without recording a graph and in eval mode (EvalModeGuard: the module's mode is restored
/// afterwards, also on an exception). Throws std::invalid_argument for an empty selection or batch 0.
template <typename T>
Evaluation evaluate(Module<T>& model, const Dataset<T>& data, std::size_t limit = 0, std::size_t batch = 1000);

/// evaluate(model, data, limit, batch).accuracy.
template <typename T>
double evaluate_accuracy(Module<T>& model, const Dataset<T>& data, std::size_t limit = 0, std::size_t batch = 1000);

}  // namespace minidl
