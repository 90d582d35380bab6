#pragma once
// Functional gradients: gradients of outputs with respect to chosen inputs, without touching any
// variable's stored .grad. With create_graph the returned gradients are themselves recorded, so
// they can be differentiated again (second derivatives, Newton's method, gradgradcheck).

#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// Returns d(sum of outputs[i] * grad_outputs[i])/d(inputs[j]) for every j. An empty
/// grad_outputs means every output is a scalar seeded with 1. An input the outputs do not depend
/// on gets a zero gradient of its shape. Throws std::logic_error on misuse (non-scalar output
/// without a gradient, shape mismatch, graph already freed).
template <typename T>
std::vector<Variable<T>> grad(const std::vector<Variable<T>>& outputs, const std::vector<Variable<T>>& inputs,
                              const std::vector<Variable<T>>& grad_outputs = {}, bool create_graph = false,
                              bool retain_graph = false);

/// Convenience for one scalar output and one input.
template <typename T>
Variable<T> grad(const Variable<T>& output, const Variable<T>& input, bool create_graph = false);

}  // namespace minidl
