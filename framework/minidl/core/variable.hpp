#pragma once
// Variable: a handle to one node of the define-by-run computational graph.
//
// Ownership: a node owns its inputs (shared pointers), nothing owns a node's outputs, so the graph
// has no reference cycles and is freed when the last handle to its output goes away. Backward
// functions receive their inputs, output and upstream gradient as arguments rather than capturing
// their own node, which would be a cycle.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "minidl/core/tensor.hpp"

namespace minidl {

class Generator;
template <typename T>
class Variable;
template <typename T>
struct Node;

/// A backward function: given the op's inputs, its output and the gradient of the final result
/// with respect to that output, returns one gradient per input (an undefined Variable where an
/// input gets no gradient). Written with Variable ops, it is itself differentiable, which is what
/// makes higher-order gradients (create_graph) work.
template <typename T>
using BackwardFn = std::function<std::vector<Variable<T>>(
    const std::vector<Variable<T>>& inputs, const Variable<T>& output, const Variable<T>& grad_output)>;

/// The backward function of an op with several outputs: given the op's inputs, its outputs and
/// one upstream gradient per output, returns one gradient per input. An output whose gradient
/// never arrived (it was unused, or its handle was dropped) gets an undefined grad_outputs entry;
/// an output whose handle was dropped before backward() also gets an undefined outputs entry.
/// At least one grad_outputs entry is always defined.
template <typename T>
using MultiBackwardFn = std::function<std::vector<Variable<T>>(const std::vector<Variable<T>>& inputs,
                                                               const std::vector<Variable<T>>& outputs,
                                                               const std::vector<Variable<T>>& grad_outputs)>;

/// What the k outputs of one multi-output op share: the one backward function and (weak) handles to
/// the outputs, so the engine can gather every output's gradient and call the backward once.
/// The outputs own the group; the group does not own them, so there is no reference cycle.
template <typename T>
struct OutputGroup {
  MultiBackwardFn<T> backward;                  ///< Called once per backward pass with k gradients.
  std::vector<std::weak_ptr<Node<T>>> outputs;  ///< The op's outputs, in order.
};

/// Options for Variable::backward.
struct BackwardOptions {
  /// Keep the graph so backward() can run through it again (otherwise it is freed as it is used).
  bool retain_graph = false;
  /// Record the backward computation itself, so the gradients can be differentiated again.
  /// Implies retain_graph. Note: a leaf's stored grad then refers back to the leaf; call
  /// clear_grad() when done (or use minidl::grad(), which stores nothing).
  bool create_graph = false;
};

/// A node in the graph. Users normally go through Variable; custom ops may inspect nodes.
template <typename T>
struct Node {
  Tensor<T> data;                      ///< The value (always evaluated).
  std::shared_ptr<Node<T>> grad;       ///< Accumulated gradient (a node, so it can have a graph).
  bool requires_grad = false;          ///< Leaf: wants a gradient. Op result: was recorded.
  bool retain_grad = false;            ///< Keep this intermediate's gradient after backward.
  bool graph_freed = false;            ///< backward() already released this op's inputs.
  std::string name;                    ///< Optional user-facing name ("fc1.W").
  const char* op = nullptr;            ///< Op that produced this node; nullptr for a leaf.
  std::vector<Variable<T>> inputs;     ///< The op's inputs (owned).
  BackwardFn<T> backward;              ///< The op's backward; empty for a leaf and a multi-output op.
  /// For an output of a multi-output op: the group it belongs to (its siblings and the shared
  /// backward); `inputs` then holds the op's inputs, the same in every sibling. Null otherwise.
  std::shared_ptr<OutputGroup<T>> group;
  std::size_t output_index = 0;        ///< Position among the group's outputs.
  std::uint64_t generation = 0;        ///< 1 + max input generation: orders backward().
  std::uint64_t sequence = 0;          ///< Creation order: breaks generation ties deterministically.

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  /// Tears down long input chains iteratively, so dropping a 100,000-op graph cannot overflow the
  /// stack through recursive destructors.
  ~Node();
};

/// A cheap, copyable handle to a graph node: copying a Variable never copies its tensor, and two
/// copies see the same data and gradient. A default-constructed Variable is "undefined" (no node).
template <typename T>
class Variable {
 public:
  using value_type = T;

  /// An undefined handle (defined() is false).
  Variable() = default;
  /// A leaf that takes `data` over (no copy). Set requires_grad to get a gradient in backward().
  explicit Variable(Tensor<T>&& data, bool requires_grad = false, std::string name = {});
  /// A leaf holding a copy of `data`; a large tensor is copied on minidl's threads
  /// (blas::set_threads). A DataLoader batch needs no copy: take its `input`.
  explicit Variable(const Tensor<T>& data, bool requires_grad = false, std::string name = {});
  /// Wraps an existing node (used by the engine and custom ops).
  explicit Variable(std::shared_ptr<Node<T>> node) : node_(std::move(node)) {}

  /// True when this handle refers to a node.
  bool defined() const { return static_cast<bool>(node_); }

  /// The value. The handle is shared, so this is mutable even through a const Variable: in-place
  /// edits (optimizer updates) are seen by every copy. Editing a value a recorded graph still
  /// needs makes backward() wrong, so update parameters only after backward().
  Tensor<T>& data() const;

  /// The accumulated gradient, or an undefined Variable if none has been computed.
  Variable<T> grad() const;
  /// True when a gradient has been accumulated.
  bool has_grad() const;
  /// Replaces the gradient (undefined clears it). Its shape must match the data's.
  void set_grad(const Variable<T>& g) const;
  /// Drops the gradient (what zero_grad does per parameter).
  void clear_grad() const;

  /// Whether backward() computes a gradient for this variable.
  bool requires_grad() const;
  /// Marks a leaf as wanting (or not) a gradient; returns *this for chaining.
  /// Throws std::logic_error on a recorded op result (its flag is decided by recording).
  const Variable<T>& set_requires_grad(bool on = true) const;
  /// Keeps this intermediate result's gradient after backward() (leaves always keep theirs).
  const Variable<T>& retain_grad() const;

  /// Optional name shown in printing and graph exports.
  const std::string& name() const;
  /// Sets the name; returns *this for chaining.
  const Variable<T>& set_name(std::string name) const;

  /// The shape, e.g. {100, 784}.
  Shape shape() const;
  /// Number of elements.
  std::size_t size() const;
  /// Number of axes.
  std::size_t ndim() const;
  /// The single value of a one-element tensor; throws std::logic_error otherwise.
  T item() const;

  /// A new leaf with a copy of this value, outside any graph and without requires_grad.
  Variable<T> detach() const;

  /// Op that produced this variable ("matmul"), or nullptr for a leaf.
  const char* op() const;
  /// The op's inputs (empty for a leaf or once the graph is freed). Every output of a multi-output
  /// op reports the op's inputs.
  const std::vector<Variable<T>>& inputs() const;
  /// True for user-created variables (not produced by a recorded op).
  bool is_leaf() const;
  /// The node's generation (topological rank).
  std::uint64_t generation() const;

  /// Back-propagates from this scalar (one-element) output, accumulating into every leaf that
  /// requires grad. Throws std::logic_error for a non-scalar output (pass a gradient instead), an
  /// output that does not require grad, or a graph that an earlier backward() already freed.
  void backward(BackwardOptions options = {}) const;
  /// Back-propagates with an explicit upstream gradient of this output's shape.
  void backward(const Tensor<T>& grad_output, BackwardOptions options = {}) const;

  /// The node behind the handle (for custom ops and graph tools).
  const std::shared_ptr<Node<T>>& node() const { return node_; }

 private:
  friend struct Node<T>;
  Node<T>& checked() const;
  std::shared_ptr<Node<T>> node_;
};

/// Prints "Variable(shape=(2,3), dtype=float32, requires_grad=true, name=x)" and the values.
template <typename T>
std::ostream& operator<<(std::ostream& out, const Variable<T>& v);

/// Training precision.
using Var = Variable<float>;
/// Gradient-check precision.
using Var64 = Variable<double>;

// ---- creation helpers -------------------------------------------------------------------------

/// A leaf from a tensor (or a nested brace list: variable<double>({{1, 2}, {3, 4}})).
template <typename T>
Variable<T> variable(Tensor<T> data, bool requires_grad = false);
/// A scalar (0-d) leaf.
template <typename T>
Variable<T> scalar(T value, bool requires_grad = false);
/// A leaf of zeros.
template <typename T>
Variable<T> zeros(const Shape& shape, bool requires_grad = false);
/// A leaf of ones.
template <typename T>
Variable<T> ones(const Shape& shape, bool requires_grad = false);
/// A leaf filled with `value`.
template <typename T>
Variable<T> full(const Shape& shape, T value, bool requires_grad = false);
/// A leaf of N(mean, stddev^2) samples from `gen` (default: the global seeded generator).
template <typename T>
Variable<T> randn(const Shape& shape, double mean = 0.0, double stddev = 1.0, bool requires_grad = false);
/// Like randn, drawing from an explicit generator.
template <typename T>
Variable<T> randn(const Shape& shape, Generator& gen, double mean = 0.0, double stddev = 1.0,
                  bool requires_grad = false);
/// A leaf of uniform samples in [lo, hi) from the global seeded generator.
template <typename T>
Variable<T> uniform(const Shape& shape, double lo = 0.0, double hi = 1.0, bool requires_grad = false);
/// Like uniform, drawing from an explicit generator.
template <typename T>
Variable<T> uniform(const Shape& shape, Generator& gen, double lo = 0.0, double hi = 1.0,
                    bool requires_grad = false);

}  // namespace minidl
