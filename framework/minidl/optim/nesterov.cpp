#include <nlohmann/json.hpp>

#include "minidl/optim/nesterov.hpp"

#include <stdexcept>
#include <string>

#include "minidl/detail/optimizer_state.hpp"

namespace minidl {

template <typename T>
Nesterov<T>::Nesterov(std::vector<Variable<T>> params, double lr, double momentum)
    : Optimizer<T>(std::move(params), lr), momentum_(momentum) {
  if (!(momentum >= 0 && momentum < 1))
    throw std::invalid_argument("Nesterov: momentum must be in [0, 1), got " + std::to_string(momentum));
}

template <typename T>
void Nesterov<T>::update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) {
  Tensor<T>& vt = detail::state_slot(v_, this->params().size(), index, param);
  const T lr = static_cast<T>(this->lr()), m = static_cast<T>(momentum_);
  const T mm = m * m, glr = (T(1) + m) * lr;
  T* w = param.data();
  T* v = vt.data();
  const T* g = grad.data();
  const std::size_t n = param.size();
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = m * v[i] - lr * g[i];
    w[i] += mm * v[i] - glr * g[i];
  }
}

template <typename T>
typename Optimizer<T>::StateRefs Nesterov<T>::state_refs() {
  return {{{"velocity", &v_}}, {}};
}

template <typename T>
void Nesterov<T>::add_hyperparameters(nlohmann::json& spec) const {
  spec["momentum"] = momentum_;
}

template class Nesterov<float>;
template class Nesterov<double>;

}  // namespace minidl
