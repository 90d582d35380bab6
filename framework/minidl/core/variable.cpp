#include "minidl/core/variable.hpp"

#include <algorithm>
#include <ostream>
#include <stdexcept>

#include <xtensor/xio.hpp>

#include "minidl/core/node_alloc.hpp"
#include "minidl/core/random.hpp"
#include "minidl/core/variable_lists.hpp"
#include "minidl/detail/parallel.hpp"
#include "minidl/detail/small_object_pool.hpp"

namespace minidl {

namespace {

// A copy of `t`, split over minidl's threads from 32K elements (half detail::kMinParallelElements),
// so that a batch of MNIST rows (78K values at batch 100) splits: it is copied right after the
// batch gather, while the workers are still awake.
template <typename T>
Tensor<T> copy_on_threads(const Tensor<T>& t) {
  Tensor<T> out = Tensor<T>::from_shape(t.shape());
  const T* from = t.data();
  T* to = out.data();
  detail::parallel_range(t.size(), detail::kMinParallelElements / 2, [=](std::size_t begin, std::size_t end) {
    std::copy(from + begin, from + end, to + begin);
  });
  return out;
}

}  // namespace

template <typename T>
Node<T>::~Node() {
  // Steal the inputs of every node we are the last owner of, so each node dies with no inputs
  // left and destruction is a loop instead of a recursion as deep as the graph. The list is in the
  // small-object cache, and the input lists go back to the list cache: a node dies every op of
  // every step.
  std::vector<std::shared_ptr<Node<T>>, detail::SmallObjectAllocator<std::shared_ptr<Node<T>>>> pending;
  for (auto& in : inputs) pending.push_back(std::move(in.node_));
  detail::recycle_variable_list(std::move(inputs));
  if (grad) pending.push_back(std::move(grad));
  while (!pending.empty()) {
    std::shared_ptr<Node<T>> n = std::move(pending.back());
    pending.pop_back();
    if (n && n.use_count() == 1) {
      for (auto& in : n->inputs) pending.push_back(std::move(in.node_));
      detail::recycle_variable_list(std::move(n->inputs));
      if (n->grad) pending.push_back(std::move(n->grad));
      n->backward = nullptr;  // captures may hold tensors only, but release them early anyway
      n->group.reset();
    }
  }
}

template <typename T>
Variable<T>::Variable(Tensor<T>&& data, bool requires_grad, std::string name) : node_(detail::new_node<T>()) {
  node_->data = std::move(data);
  node_->requires_grad = requires_grad;
  node_->name = std::move(name);
}

template <typename T>
Variable<T>::Variable(const Tensor<T>& data, bool requires_grad, std::string name)
    : Variable(copy_on_threads(data), requires_grad, std::move(name)) {}

template <typename T>
Node<T>& Variable<T>::checked() const {
  if (!node_) throw std::logic_error("Variable: use of an undefined (default-constructed) Variable");
  return *node_;
}

template <typename T>
Tensor<T>& Variable<T>::data() const {
  return checked().data;
}

template <typename T>
Variable<T> Variable<T>::grad() const {
  return Variable<T>(checked().grad);
}

template <typename T>
bool Variable<T>::has_grad() const {
  return static_cast<bool>(checked().grad);
}

template <typename T>
void Variable<T>::set_grad(const Variable<T>& g) const {
  Node<T>& n = checked();
  if (g.defined() && to_shape(g.data().shape()) != to_shape(n.data.shape())) {
    throw std::invalid_argument("set_grad: gradient shape " + shape_str(g.shape()) + " does not match data shape " +
                                shape_str(shape()));
  }
  n.grad = g.node();
}

template <typename T>
void Variable<T>::clear_grad() const {
  checked().grad.reset();
}

template <typename T>
bool Variable<T>::requires_grad() const {
  return checked().requires_grad;
}

template <typename T>
const Variable<T>& Variable<T>::set_requires_grad(bool on) const {
  Node<T>& n = checked();
  if (n.op) {
    throw std::logic_error(std::string("set_requires_grad: '") + n.op +
                           "' result is not a leaf; call detach() first to make a new leaf");
  }
  n.requires_grad = on;
  return *this;
}

template <typename T>
const Variable<T>& Variable<T>::retain_grad() const {
  checked().retain_grad = true;
  return *this;
}

template <typename T>
const std::string& Variable<T>::name() const {
  return checked().name;
}

template <typename T>
const Variable<T>& Variable<T>::set_name(std::string name) const {
  checked().name = std::move(name);
  return *this;
}

template <typename T>
Shape Variable<T>::shape() const {
  return to_shape(checked().data.shape());
}

template <typename T>
std::size_t Variable<T>::size() const {
  return checked().data.size();
}

template <typename T>
std::size_t Variable<T>::ndim() const {
  return checked().data.dimension();
}

template <typename T>
T Variable<T>::item() const {
  const Node<T>& n = checked();
  if (n.data.size() != 1) {
    throw std::logic_error("item: only a one-element tensor has an item, this one has shape " + shape_str(shape()));
  }
  return *n.data.begin();
}

template <typename T>
Variable<T> Variable<T>::detach() const {
  return Variable<T>(Tensor<T>(checked().data), false, checked().name);
}

template <typename T>
const char* Variable<T>::op() const {
  return checked().op;
}

template <typename T>
const std::vector<Variable<T>>& Variable<T>::inputs() const {
  return checked().inputs;
}

template <typename T>
bool Variable<T>::is_leaf() const {
  return checked().op == nullptr;
}

template <typename T>
std::uint64_t Variable<T>::generation() const {
  return checked().generation;
}

template <typename T>
std::ostream& operator<<(std::ostream& out, const Variable<T>& v) {
  if (!v.defined()) return out << "Variable(undefined)";
  out << "Variable(shape=" << shape_str(v.shape()) << ", dtype=" << dtype_name<T>()
      << ", requires_grad=" << (v.requires_grad() ? "true" : "false");
  if (!v.name().empty()) out << ", name=" << v.name();
  if (v.op()) out << ", op=" << v.op();
  out << ")\n" << v.data();
  return out;
}

template <typename T>
Variable<T> variable(Tensor<T> data, bool requires_grad) {
  return Variable<T>(std::move(data), requires_grad);
}

template <typename T>
Variable<T> scalar(T value, bool requires_grad) {
  return Variable<T>(full_tensor<T>({}, value), requires_grad);
}

template <typename T>
Variable<T> zeros(const Shape& shape, bool requires_grad) {
  return Variable<T>(zeros_tensor<T>(shape), requires_grad);
}

template <typename T>
Variable<T> ones(const Shape& shape, bool requires_grad) {
  return Variable<T>(full_tensor<T>(shape, T(1)), requires_grad);
}

template <typename T>
Variable<T> full(const Shape& shape, T value, bool requires_grad) {
  return Variable<T>(full_tensor<T>(shape, value), requires_grad);
}

template <typename T>
Variable<T> randn(const Shape& shape, double mean, double stddev, bool requires_grad) {
  return randn<T>(shape, default_generator(), mean, stddev, requires_grad);
}

template <typename T>
Variable<T> randn(const Shape& shape, Generator& gen, double mean, double stddev, bool requires_grad) {
  return Variable<T>(randn_tensor<T>(shape, gen, mean, stddev), requires_grad);
}

template <typename T>
Variable<T> uniform(const Shape& shape, double lo, double hi, bool requires_grad) {
  return uniform<T>(shape, default_generator(), lo, hi, requires_grad);
}

template <typename T>
Variable<T> uniform(const Shape& shape, Generator& gen, double lo, double hi, bool requires_grad) {
  return Variable<T>(uniform_tensor<T>(shape, gen, lo, hi), requires_grad);
}

#define MINIDL_INSTANTIATE(T)                                                                  \
  template struct Node<T>;                                                                     \
  template class Variable<T>;                                                                  \
  template std::ostream& operator<< <T>(std::ostream&, const Variable<T>&);                    \
  template Variable<T> variable<T>(Tensor<T>, bool);                                           \
  template Variable<T> scalar<T>(T, bool);                                                     \
  template Variable<T> zeros<T>(const Shape&, bool);                                           \
  template Variable<T> ones<T>(const Shape&, bool);                                            \
  template Variable<T> full<T>(const Shape&, T, bool);                                         \
  template Variable<T> randn<T>(const Shape&, double, double, bool);                           \
  template Variable<T> randn<T>(const Shape&, Generator&, double, double, bool);               \
  template Variable<T> uniform<T>(const Shape&, double, double, bool);                         \
  template Variable<T> uniform<T>(const Shape&, Generator&, double, double, bool);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
