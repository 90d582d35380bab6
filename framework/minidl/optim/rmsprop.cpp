#include <nlohmann/json.hpp>

#include "minidl/optim/rmsprop.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "minidl/detail/optimizer_state.hpp"

namespace minidl {

template <typename T>
RMSprop<T>::RMSprop(std::vector<Variable<T>> params, double lr, double decay_rate)
    : Optimizer<T>(std::move(params), lr), decay_rate_(decay_rate) {
  if (!(decay_rate >= 0 && decay_rate < 1))
    throw std::invalid_argument("RMSprop: decay_rate must be in [0, 1), got " + std::to_string(decay_rate));
}

template <typename T>
void RMSprop<T>::update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) {
  Tensor<T>& ht = detail::state_slot(h_, this->params().size(), index, param);
  const T lr = static_cast<T>(this->lr()), rho = static_cast<T>(decay_rate_), eps = static_cast<T>(1e-7);
  const T one_minus_rho = static_cast<T>(1.0 - decay_rate_);
  T* w = param.data();
  T* h = ht.data();
  const T* g = grad.data();
  const std::size_t n = param.size();
  for (std::size_t i = 0; i < n; ++i) {
    h[i] = rho * h[i] + one_minus_rho * g[i] * g[i];
    w[i] -= lr * g[i] / (std::sqrt(h[i]) + eps);
  }
}

template <typename T>
typename Optimizer<T>::StateRefs RMSprop<T>::state_refs() {
  return {{{"h", &h_}}, {}};
}

template <typename T>
void RMSprop<T>::add_hyperparameters(nlohmann::json& spec) const {
  spec["decay_rate"] = decay_rate_;
}

template class RMSprop<float>;
template class RMSprop<double>;

}  // namespace minidl
