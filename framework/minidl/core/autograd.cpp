// The backward engine: one loop shared by Variable::backward and minidl::grad.
#include "minidl/core/autograd.hpp"

#include <memory>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include "minidl/core/grad_mode.hpp"
#include "minidl/core/op_observer.hpp"
#include "minidl/core/record.hpp"
#include "minidl/core/variable_lists.hpp"
#include "minidl/detail/small_object_pool.hpp"

namespace minidl {
namespace {

template <typename T>
using NodePtr = std::shared_ptr<Node<T>>;

// Later generations first; among equals, the node created last first. Every consumer of a node has
// a strictly higher generation, so a node is processed only after all its gradient has arrived.
template <typename T>
struct LaterFirst {
  bool operator()(const NodePtr<T>& a, const NodePtr<T>& b) const {
    if (a->generation != b->generation) return a->generation < b->generation;
    return a->sequence < b->sequence;
  }
};

// a + b for two gradients of one variable (always the same shape), as a recorded op so that with
// create_graph the sum stays differentiable: its backward hands G to both. The engine's own op,
// so core/ needs nothing from ops/.
template <typename T>
Variable<T> accumulate(const Variable<T>& into, const Variable<T>& g) {
  if (!into.defined()) return g;
  // Never in place: `into` may be shared (an identity backward passes its upstream grad on).
  Tensor<T> sum = Tensor<T>::from_shape(into.data().shape());
  xt::noalias(sum) = into.data() + g.data();
  return record<T>("accumulate_grad", std::move(sum), {into, g},
                   [](const std::vector<Variable<T>>&, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({G, G});
                   });
}

std::string op_label(const char* op) { return op ? std::string("'") + op + "'" : std::string("a leaf"); }

// A node's gradient so far. `owned` marks a buffer this pass allocated and nothing else refers to,
// which later contributions may be added into in place.
template <typename T>
struct Pending {
  Variable<T> grad;
  bool owned = false;
};

// The engine's bookkeeping for one pass. Kept per thread and reused, cleared but not freed, so a
// steady-state backward pass allocates no map entries, buckets or queue storage: the map's entries
// come from the small-object cache and its bucket array and the queue's vector keep their capacity.
template <typename T>
struct EngineScratch {
  std::unordered_map<Node<T>*, Pending<T>, std::hash<Node<T>*>, std::equal_to<Node<T>*>,
                     detail::SmallObjectAllocator<std::pair<Node<T>* const, Pending<T>>>>
      pending;
  std::priority_queue<NodePtr<T>, std::vector<NodePtr<T>>, LaterFirst<T>> queue;

  // Drops every handle, so no gradient or node outlives the pass (also after an exception).
  void clear() {
    pending.clear();
    while (!queue.empty()) queue.pop();
  }
};

// The calling thread's scratch for the current nesting level of backward passes (a backward
// function may itself call grad()), or a fresh one while the thread's thread-local objects are being
// destroyed. Cleared when the lease ends.
template <typename T>
class ScratchLease {
 public:
  explicit ScratchLease(int depth) {
    if (!Levels::gone) {
      auto& levels = Levels::instance().levels;
      const std::size_t level = static_cast<std::size_t>(depth > 0 ? depth - 1 : 0);
      while (levels.size() <= level) levels.push_back(std::make_unique<EngineScratch<T>>());
      scratch_ = levels[level].get();
    } else {
      own_ = std::make_unique<EngineScratch<T>>();
      scratch_ = own_.get();
    }
  }
  ~ScratchLease() { scratch_->clear(); }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  EngineScratch<T>& operator*() const { return *scratch_; }

 private:
  struct Levels {
    std::vector<std::unique_ptr<EngineScratch<T>>> levels;
    ~Levels() { gone = true; }
    static Levels& instance() {
      thread_local Levels per_thread;
      return per_thread;
    }
    // Trivially destructible, so it can be read after `per_thread` is destroyed.
    static thread_local bool gone;
  };
  EngineScratch<T>* scratch_ = nullptr;
  std::unique_ptr<EngineScratch<T>> own_;
};

template <typename T>
thread_local bool ScratchLease<T>::Levels::gone = false;

// Runs backward from outputs[0..n) seeded with seeds[0..n). With `targets` given, the final
// gradient of each target is returned instead of being stored in leaves' .grad (minidl::grad).
template <typename T>
std::vector<Variable<T>> run_backward(const Variable<T>* outputs, const Variable<T>* seeds, std::size_t n,
                                      bool retain_graph, bool create_graph,
                                      const std::vector<Variable<T>>* targets) {
  if (create_graph) retain_graph = true;
  GradModeGuard mode(create_graph);
  // Marks the pass for observers (exception-safe: a throwing backward function must not leave it set).
  struct BackwardDepth {
    BackwardDepth() { ++detail::t_backward_depth; }
    ~BackwardDepth() { --detail::t_backward_depth; }
  } depth;

  ScratchLease<T> lease(detail::t_backward_depth);
  auto& pending = (*lease).pending;
  auto& queue = (*lease).queue;
  auto push = [&](const Variable<T>& v, const Variable<T>& g) {
    auto it = pending.find(v.node().get());
    if (it == pending.end()) {
      pending.emplace(v.node().get(), Pending<T>{g, false});
      queue.push(v.node());
    } else if (it->second.owned) {
      // Without create_graph nothing records the sum, so a weight used at 35 time steps costs one
      // buffer, not 34. Never in place into a gradient we did not allocate: it may be shared.
      xt::noalias(it->second.grad.data()) += g.data();
    } else {
      it->second.grad = accumulate(it->second.grad, g);
      it->second.owned = !create_graph;
    }
  };

  for (std::size_t i = 0; i < n; ++i) {
    const Variable<T>& out = outputs[i];
    if (!out.requires_grad()) {
      throw std::logic_error("backward: output " + std::to_string(i) + " of shape " + shape_str(out.shape()) +
                             " does not require grad (no input of its graph has requires_grad, or it was computed "
                             "under NoGradGuard)");
    }
    if (out.data().shape() != seeds[i].data().shape()) {
      throw std::logic_error("backward: gradient of shape " + shape_str(seeds[i].shape()) + " given for output of shape " +
                             shape_str(out.shape()));
    }
    push(out, seeds[i]);
  }

  std::unordered_map<Node<T>*, std::size_t> target_index;
  std::vector<Variable<T>> captured;
  if (targets) {
    captured.resize(targets->size());
    for (std::size_t i = 0; i < targets->size(); ++i) target_index.emplace((*targets)[i].node().get(), i);
  }

  // Where a node's final gradient goes besides its inputs: the captured result (grad()), or .grad
  // for leaves and retain_grad intermediates (backward()).
  auto deliver = [&](Node<T>* node, const Variable<T>& gy) {
    if (targets) {
      auto t = target_index.find(node);
      if (t != target_index.end()) captured[t->second] = gy;
    } else if (!node->op || node->retain_grad) {
      node->grad = accumulate(Variable<T>(node->grad), gy).node();
    }
  };

  while (!queue.empty()) {
    NodePtr<T> node = queue.top();
    queue.pop();
    auto it = pending.find(node.get());
    // A sibling of a multi-output op whose gradient the group's backward already consumed.
    if (it == pending.end()) continue;
    Variable<T> gy = std::move(it->second.grad);
    pending.erase(it);

    deliver(node.get(), gy);
    if (!node->op) continue;  // a leaf: nothing further back
    if (node->graph_freed) {
      throw std::logic_error("backward: the graph through " + op_label(node->op) +
                             " was already freed by an earlier backward(); pass retain_graph = true to the first "
                             "backward() to run backward twice");
    }

    std::vector<Variable<T>> grads;
    // A multi-output op's live outputs (freed together below), as Variables: a recycled list.
    std::vector<Variable<T>> siblings;
    if (node->group) {
      // Every consumer of every sibling has a higher generation, so all their gradients are in
      // `pending` now: take them all and run the shared backward once.
      const std::size_t k = node->group->outputs.size();
      std::vector<Variable<T>> outs = detail::take_variable_list<T>(k), gys = detail::take_variable_list<T>(k);
      siblings = detail::take_variable_list<T>(k);
      outs.resize(k);
      gys.resize(k);
      for (std::size_t j = 0; j < k; ++j) {
        NodePtr<T> sib = node->group->outputs[j].lock();
        if (!sib) continue;
        outs[j] = Variable<T>(sib);
        if (sib == node) {
          gys[j] = gy;
        } else if (auto p = pending.find(sib.get()); p != pending.end()) {
          gys[j] = std::move(p->second.grad);
          pending.erase(p);
          deliver(sib.get(), gys[j]);
        }
        siblings.emplace_back(std::move(sib));
      }
      grads = node->group->backward(node->inputs, outs, gys);
      detail::recycle_variable_list(std::move(outs));
      detail::recycle_variable_list(std::move(gys));
    } else {
      grads = node->backward(node->inputs, Variable<T>(node), gy);
    }
    if (detail::t_op_observer) detail::t_op_observer->on_backward(*node, gy, grads);
    if (grads.size() != node->inputs.size()) {
      throw std::logic_error("backward of " + op_label(node->op) + " returned " + std::to_string(grads.size()) +
                             " gradients for " + std::to_string(node->inputs.size()) + " inputs");
    }
    for (std::size_t i = 0; i < grads.size(); ++i) {
      const Variable<T>& in = node->inputs[i];
      if (!in.defined() || !in.requires_grad() || !grads[i].defined()) continue;
      if (grads[i].data().shape() != in.data().shape()) {
        throw std::logic_error("backward of " + op_label(node->op) + ": gradient for input " + std::to_string(i) +
                               " has shape " + shape_str(grads[i].shape()) + " but the input has shape " +
                               shape_str(in.shape()));
      }
      push(in, grads[i]);
    }
    detail::recycle_variable_list(std::move(grads));
    if (!retain_graph) {
      node->inputs.clear();
      node->backward = nullptr;
      node->graph_freed = true;
      if (node->group) node->group->backward = nullptr;
      for (const Variable<T>& sib : siblings) {
        sib.node()->inputs.clear();
        sib.node()->graph_freed = true;
      }
    }
    detail::recycle_variable_list(std::move(siblings));
  }
  return captured;
}

template <typename T>
Variable<T> ones_like_value(const Variable<T>& v) {
  Tensor<T> ones = Tensor<T>::from_shape(v.data().shape());
  ones.fill(T(1));
  return Variable<T>(std::move(ones));
}

}  // namespace

template <typename T>
void Variable<T>::backward(BackwardOptions options) const {
  if (size() != 1) {
    throw std::logic_error("backward: output has shape " + shape_str(shape()) +
                           "; only a one-element output can be back-propagated without an explicit gradient");
  }
  const Variable<T> seed = ones_like_value(*this);
  run_backward<T>(this, &seed, 1, options.retain_graph, options.create_graph, nullptr);
}

template <typename T>
void Variable<T>::backward(const Tensor<T>& grad_output, BackwardOptions options) const {
  const Variable<T> seed(grad_output);
  run_backward<T>(this, &seed, 1, options.retain_graph, options.create_graph, nullptr);
}

template <typename T>
std::vector<Variable<T>> grad(const std::vector<Variable<T>>& outputs, const std::vector<Variable<T>>& inputs,
                              const std::vector<Variable<T>>& grad_outputs, bool create_graph, bool retain_graph) {
  std::vector<Variable<T>> seeds = grad_outputs;
  if (seeds.empty()) {
    for (const auto& out : outputs) {
      if (out.size() != 1) {
        throw std::logic_error("grad: output has shape " + shape_str(out.shape()) +
                               "; pass grad_outputs for a non-scalar output");
      }
      seeds.push_back(ones_like_value(out));
    }
  }
  if (seeds.size() != outputs.size()) {
    throw std::logic_error("grad: " + std::to_string(outputs.size()) + " outputs but " + std::to_string(seeds.size()) +
                           " grad_outputs");
  }
  std::vector<Variable<T>> result =
      run_backward<T>(outputs.data(), seeds.data(), outputs.size(), retain_graph, create_graph, &inputs);
  for (std::size_t i = 0; i < result.size(); ++i) {
    if (!result[i].defined()) result[i] = zeros<T>(inputs[i].shape());
  }
  return result;
}

template <typename T>
Variable<T> grad(const Variable<T>& output, const Variable<T>& input, bool create_graph) {
  return grad<T>(std::vector<Variable<T>>{output}, std::vector<Variable<T>>{input}, {}, create_graph, false)[0];
}

template void Variable<float>::backward(BackwardOptions) const;
template void Variable<double>::backward(BackwardOptions) const;
template void Variable<float>::backward(const Tensor<float>&, BackwardOptions) const;
template void Variable<double>::backward(const Tensor<double>&, BackwardOptions) const;
template std::vector<Variable<float>> grad<float>(const std::vector<Variable<float>>&, const std::vector<Variable<float>>&,
                                                  const std::vector<Variable<float>>&, bool, bool);
template std::vector<Variable<double>> grad<double>(const std::vector<Variable<double>>&,
                                                    const std::vector<Variable<double>>&,
                                                    const std::vector<Variable<double>>&, bool, bool);
template Variable<float> grad<float>(const Variable<float>&, const Variable<float>&, bool);
template Variable<double> grad<double>(const Variable<double>&, const Variable<double>&, bool);

}  // namespace minidl
