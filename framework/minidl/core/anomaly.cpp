#include "minidl/core/anomaly.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "minidl/detail/finite.hpp"

namespace minidl {
namespace {

thread_local int t_anomaly_depth = 0;

// How many named variables an error message lists before "...".
constexpr std::size_t kMaxNames = 8;

template <typename T>
std::string kind_of(T v) {
  return std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf");
}

template <typename T>
std::string shapes_of(const std::vector<Variable<T>>& inputs) {
  std::string s;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    s += (i ? ", " : "") + (inputs[i].defined() ? shape_str(inputs[i].shape()) : std::string("none"));
  }
  return s.empty() ? "none" : s;
}

// The names of the named variables the inputs were computed from (the parameters on the op's path),
// found by walking the recorded graph back from the inputs; iterative, so deep graphs are fine.
template <typename T>
std::string names_on_path(const std::vector<Variable<T>>& inputs) {
  std::vector<const Node<T>*> stack;
  std::unordered_set<const Node<T>*> seen;
  for (const auto& in : inputs) {
    if (in.defined()) stack.push_back(in.node().get());
  }
  std::string names;
  std::size_t count = 0;
  while (!stack.empty()) {
    const Node<T>* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    if (!n->name.empty()) {
      if (count < kMaxNames) names += (count ? ", " : "") + n->name;
      ++count;
    }
    for (const auto& in : n->inputs) {
      if (in.defined()) stack.push_back(in.node().get());
    }
  }
  if (count > kMaxNames) names += ", ... (" + std::to_string(count) + " in all)";
  return count ? names : "none named";
}

}  // namespace

class DetectAnomalyGuard::Detector : public OpObserver {
 public:
  void on_forward(const char* op, const Tensor<float>& out, const std::vector<Variable<float>>& in) override {
    forward(op, out, in);
  }
  void on_forward(const char* op, const Tensor<double>& out, const std::vector<Variable<double>>& in) override {
    forward(op, out, in);
  }
  void on_backward(const Node<float>& node, const Variable<float>& gy, const std::vector<Variable<float>>& g) override {
    backward(node, gy, g);
  }
  void on_backward(const Node<double>& node, const Variable<double>& gy,
                   const std::vector<Variable<double>>& g) override {
    backward(node, gy, g);
  }

 private:
  template <typename T>
  static void forward(const char* op, const Tensor<T>& out, const std::vector<Variable<T>>& inputs) {
    // Ops a backward function runs are judged by their result, in backward() below, which names
    // the op whose gradient it is.
    if (in_backward_pass()) return;
    const std::size_t i = detail::first_non_finite(out);
    if (i == out.size()) return;
    const Shape s = to_shape(out.shape());
    std::string what = std::string("anomaly: forward op '") + op + "' produced " + kind_of(out.data()[i]) + " at " +
                       detail::flat_index_str(i, s) + " (output " + shape_str(s) + "); inputs: " + shapes_of(inputs);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      if (inputs[k].defined() && detail::first_non_finite(inputs[k].data()) < inputs[k].size()) {
        what += "; input " + std::to_string(k) + " was already non-finite";
        break;
      }
    }
    throw std::domain_error(what + "; parameters on its path: " + names_on_path(inputs));
  }

  template <typename T>
  static void backward(const Node<T>& node, const Variable<T>& gy, const std::vector<Variable<T>>& grads) {
    for (std::size_t k = 0; k < grads.size(); ++k) {
      if (!grads[k].defined()) continue;
      const Tensor<T>& g = grads[k].data();
      const std::size_t i = detail::first_non_finite(g);
      if (i == g.size()) continue;
      const Shape s = to_shape(g.shape());
      const bool upstream_finite = detail::first_non_finite(gy.data()) == gy.size();
      throw std::domain_error(std::string("anomaly: backward of '") + (node.op ? node.op : "?") +
                              "' gave a gradient containing " + kind_of(g.data()[i]) + " at " + detail::flat_index_str(i, s) +
                              " for input " + std::to_string(k) + " " + shape_str(s) + " from " +
                              (upstream_finite ? "a finite" : "a non-finite") +
                              " upstream gradient; forward inputs: " + shapes_of(node.inputs) +
                              "; parameters on its path: " + names_on_path(node.inputs));
    }
  }
};

DetectAnomalyGuard::DetectAnomalyGuard() : detector_(std::make_unique<Detector>()), scope_(detector_.get()) {
  ++t_anomaly_depth;
}

DetectAnomalyGuard::~DetectAnomalyGuard() { --t_anomaly_depth; }

bool anomaly_detection_enabled() { return t_anomaly_depth > 0; }

}  // namespace minidl
