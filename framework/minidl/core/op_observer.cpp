#include "minidl/core/op_observer.hpp"

namespace minidl {

namespace detail {
thread_local OpObserver* t_op_observer = nullptr;
thread_local int t_backward_depth = 0;
}  // namespace detail

void OpObserver::on_forward(const char*, const Tensor<float>&, const std::vector<Variable<float>>&) {}
void OpObserver::on_forward(const char*, const Tensor<double>&, const std::vector<Variable<double>>&) {}
void OpObserver::on_backward(const Node<float>&, const Variable<float>&, const std::vector<Variable<float>>&) {}
void OpObserver::on_backward(const Node<double>&, const Variable<double>&, const std::vector<Variable<double>>&) {}

OpObserver* op_observer() { return detail::t_op_observer; }

bool in_backward_pass() { return detail::t_backward_depth > 0; }

OpObserverScope::OpObserverScope(OpObserver* observer) : previous_(detail::t_op_observer) {
  detail::t_op_observer = observer;
}

OpObserverScope::~OpObserverScope() { detail::t_op_observer = previous_; }

}  // namespace minidl
