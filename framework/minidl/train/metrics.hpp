#pragma once
// Classification metrics on score tensors (logits or probabilities).

#include <cstddef>
#include <vector>

#include "minidl/core/tensor.hpp"

namespace minidl {

/// Index of the largest score in each row of a (N,C) tensor (the first one on ties).
template <typename T>
std::vector<std::size_t> argmax_rows(const Tensor<T>& scores);

/// Number of rows whose argmax equals the label. Throws std::invalid_argument when the label count
/// differs from the number of rows.
template <typename T>
std::size_t count_correct(const Tensor<T>& scores, const std::vector<std::size_t>& labels);

/// Fraction of rows whose argmax equals the label (the book's accuracy), in [0, 1].
template <typename T>
double accuracy(const Tensor<T>& scores, const std::vector<std::size_t>& labels);

}  // namespace minidl
