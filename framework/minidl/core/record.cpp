#include "minidl/core/record.hpp"

#include <algorithm>
#include <atomic>

#include "minidl/core/grad_mode.hpp"
#include "minidl/core/node_alloc.hpp"
#include "minidl/core/op_observer.hpp"
#include "minidl/core/variable_lists.hpp"

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
bool will_record(std::initializer_list<Variable<T>> inputs) {
  if (!grad_enabled()) return false;
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const Variable<T>& v) { return v.defined() && v.requires_grad(); });
}

template <typename T>
Grads<T> make_grads(std::size_t n) {
  Grads<T> grads = detail::take_variable_list<T>(n);
  grads.resize(n);
  return grads;
}

template <typename T>
Grads<T> make_grads(std::initializer_list<Variable<T>> grads) {
  return detail::variable_list<T>(grads);
}

template <typename T>
Variable<T> record(const char* op, Tensor<T> output, std::initializer_list<Variable<T>> inputs,
                   BackwardFn<T> backward) {
  // The observer sees a list like any other op's; without one, a list is made only for a node.
  if (detail::t_op_observer || will_record<T>(inputs)) {
    return record<T>(op, std::move(output), detail::variable_list<T>(inputs), std::move(backward));
  }
  return Variable<T>(std::move(output));
}

template <typename T>
Variable<T> record(const char* op, Tensor<T> output, std::vector<Variable<T>> inputs, BackwardFn<T> backward) {
  // One predictable branch when nothing observes (anomaly detection off).
  if (detail::t_op_observer) detail::t_op_observer->on_forward(op, output, inputs);
  auto node = detail::new_node<T>();
  node->data = std::move(output);
  if (will_record(inputs)) {
    node->op = op;
    node->requires_grad = true;
    std::uint64_t generation = 0;
    for (const auto& in : inputs) {
      if (in.defined()) generation = std::max(generation, in.generation());  // undefined: no input here
    }
    node->generation = generation + 1;
    node->sequence = g_sequence.fetch_add(1, std::memory_order_relaxed);
    node->inputs = std::move(inputs);
    node->backward = std::move(backward);
  } else {
    detail::recycle_variable_list(std::move(inputs));
  }
  return Variable<T>(std::move(node));
}

template <typename T>
std::vector<Variable<T>> record_multi(const char* op, std::vector<Tensor<T>> outputs, std::vector<Variable<T>> inputs,
                                      MultiBackwardFn<T> backward) {
  if (detail::t_op_observer) {
    for (const auto& out : outputs) detail::t_op_observer->on_forward(op, out, inputs);
  }
  std::vector<Variable<T>> result;
  result.reserve(outputs.size());
  if (!will_record(inputs)) {
    for (auto& out : outputs) result.emplace_back(std::move(out));
    detail::recycle_variable_list(std::move(inputs));
    return result;
  }
  std::uint64_t generation = 0;
  for (const auto& in : inputs) {
    if (in.defined()) generation = std::max(generation, in.generation());  // undefined: no input here
  }
  // One sequence number for the group: siblings tie in the backward queue, and whichever is popped
  // first runs the shared backward with every sibling's gradient.
  const std::uint64_t sequence = g_sequence.fetch_add(1, std::memory_order_relaxed);
  auto group = detail::new_output_group<T>();
  group->backward = std::move(backward);
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    auto node = detail::new_node<T>();
    node->data = std::move(outputs[k]);
    node->op = op;
    node->requires_grad = true;
    node->generation = generation + 1;
    node->sequence = sequence;
    if (k + 1 == outputs.size()) {
      node->inputs = std::move(inputs);  // the last sibling keeps the caller's list
    } else {
      node->inputs = detail::take_variable_list<T>(inputs.size());  // a recycled buffer
      node->inputs.insert(node->inputs.end(), inputs.begin(), inputs.end());  // handles: no tensor copied
    }
    node->group = group;
    node->output_index = k;
    group->outputs.push_back(node);
    result.emplace_back(std::move(node));
  }
  return result;
}

template bool will_record<float>(std::initializer_list<Variable<float>>);
template bool will_record<double>(std::initializer_list<Variable<double>>);
template Grads<float> make_grads<float>(std::size_t);
template Grads<double> make_grads<double>(std::size_t);
template Grads<float> make_grads<float>(std::initializer_list<Variable<float>>);
template Grads<double> make_grads<double>(std::initializer_list<Variable<double>>);
template Variable<float> record<float>(const char*, Tensor<float>, std::initializer_list<Variable<float>>,
                                       BackwardFn<float>);
template Variable<double> record<double>(const char*, Tensor<double>, std::initializer_list<Variable<double>>,
                                         BackwardFn<double>);
template bool will_record<float>(const std::vector<Variable<float>>&);
template bool will_record<double>(const std::vector<Variable<double>>&);
template Variable<float> record<float>(const char*, Tensor<float>, std::vector<Variable<float>>, BackwardFn<float>);
template Variable<double> record<double>(const char*, Tensor<double>, std::vector<Variable<double>>,
                                         BackwardFn<double>);
template std::vector<Variable<float>> record_multi<float>(const char*, std::vector<Tensor<float>>,
                                                         std::vector<Variable<float>>, MultiBackwardFn<float>);
template std::vector<Variable<double>> record_multi<double>(const char*, std::vector<Tensor<double>>,
                                                           std::vector<Variable<double>>, MultiBackwardFn<double>);

}  // namespace minidl
