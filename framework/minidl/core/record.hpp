#pragma once
// Recording an op: the single entry point every op (built-in or user-defined) goes through.

#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// The inputs a backward function receives, one Variable per op input.
template <typename T>
using Inputs = std::vector<Variable<T>>;
/// The gradients a backward function returns, one per input (undefined for "no gradient").
template <typename T>
using Grads = std::vector<Variable<T>>;

/// Wraps an op's computed `output` in a Variable. When grad mode is on and some input requires a
/// gradient, the result is a recorded node that owns `inputs` and will call `backward` during
/// backward(); otherwise it is a plain leaf and `backward` is dropped. `op` must be a string
/// literal (it is stored as a pointer).
///
/// This is also the API for custom ops: compute the forward on tensors, then call
///   return record<T>("my_op", std::move(y), {x}, [](const auto& in, const auto& out,
///                                                 const auto& gy) { return std::vector{...}; });
template <typename T>
Variable<T> record(const char* op, Tensor<T> output, std::vector<Variable<T>> inputs, BackwardFn<T> backward);

/// Like record, for an op with several outputs (split, unbind, a fused recurrent cell returning h
/// and c): wraps each tensor of `outputs` in a Variable. When recorded, the k results share one
/// node group whose `backward(inputs, outputs, grad_outputs)` the engine calls once per backward
/// pass with one upstream gradient per output, undefined for an output that received none (it was
/// not used on the path to what is differentiated). Each result reports `op` and `inputs`.
template <typename T>
std::vector<Variable<T>> record_multi(const char* op, std::vector<Tensor<T>> outputs, std::vector<Variable<T>> inputs,
                                      MultiBackwardFn<T> backward);

/// True if recording `inputs` would create a node (grad mode on and some input requires grad).
/// Ops use it to skip work only the backward pass needs (masks, cached softmax, ...).
template <typename T>
bool will_record(const std::vector<Variable<T>>& inputs);

}  // namespace minidl
