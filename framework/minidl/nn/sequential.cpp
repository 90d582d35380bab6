#include "minidl/nn/sequential.hpp"

namespace minidl {

template <typename T>
Sequential<T>& Sequential<T>::add(std::string name, std::shared_ptr<Module<T>> m) {
  this->register_module(std::move(name), std::move(m));
  return *this;
}

template <typename T>
Sequential<T>& Sequential<T>::add(std::shared_ptr<Module<T>> m) {
  return add(std::to_string(this->children().size()), std::move(m));
}

template <typename T>
Variable<T> Sequential<T>::forward(const Variable<T>& x) {
  Variable<T> h = x;
  for (const auto& [name, child] : this->children()) h = child->forward(h);
  return h;
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace minidl
