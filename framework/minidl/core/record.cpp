#include "minidl/core/record.hpp"

#include <algorithm>
#include <atomic>

#include "minidl/core/grad_mode.hpp"
#include "minidl/core/op_observer.hpp"

namespace minidl {
namespace {
std::atomic<std::uint64_t> g_sequence{0};
}

template <typename T>
bool will_record(const std::vector<Variable<T>>& inputs) {
  if (!grad_enabled()) return false;
  return std::any_of(inputs.begin(), inputs.end(), [](const Variable<T>& v) { return v.defined() && v.requires_grad(); });
}

template <typename T>
Variable<T> record(const char* op, Tensor<T> output, std::vector<Variable<T>> inputs, BackwardFn<T> backward) {
  // One predictable branch when nothing observes (anomaly detection off).
  if (detail::t_op_observer) detail::t_op_observer->on_forward(op, output, inputs);
  auto node = std::make_shared<Node<T>>();
  node->data = std::move(output);
  if (will_record(inputs)) {
    node->op = op;
    node->requires_grad = true;
    std::uint64_t generation = 0;
    for (const auto& in : inputs) generation = std::max(generation, in.generation());
    node->generation = generation + 1;
    node->sequence = g_sequence.fetch_add(1, std::memory_order_relaxed);
    node->inputs = std::move(inputs);
    node->backward = std::move(backward);
  }
  return Variable<T>(std::move(node));
}

template bool will_record<float>(const std::vector<Variable<float>>&);
template bool will_record<double>(const std::vector<Variable<double>>&);
template Variable<float> record<float>(const char*, Tensor<float>, std::vector<Variable<float>>, BackwardFn<float>);
template Variable<double> record<double>(const char*, Tensor<double>, std::vector<Variable<double>>,
                                         BackwardFn<double>);

}  // namespace minidl
