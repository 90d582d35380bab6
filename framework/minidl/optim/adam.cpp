#include <nlohmann/json.hpp>

#include "minidl/optim/adam.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "minidl/detail/optimizer_state.hpp"
#include "minidl/detail/parallel.hpp"

namespace minidl {
namespace {

// The update on n elements, restrict-qualified: the parameter, its two moments and the gradient
// are distinct buffers, and saying so lets the loop vectorise (sqrt and division included).
template <typename T>
void adam_step(T* __restrict w, T* __restrict m, T* __restrict v, const T* __restrict g, std::size_t n, T a1, T a2,
               T lr_t, T eps) {
  for (std::size_t i = 0; i < n; ++i) {
    m[i] += a1 * (g[i] - m[i]);
    v[i] += a2 * (g[i] * g[i] - v[i]);
    w[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
  }
}

}  // namespace

template <typename T>
Adam<T>::Adam(std::vector<Variable<T>> params, double lr, double beta1, double beta2)
    : Optimizer<T>(std::move(params), lr), beta1_(beta1), beta2_(beta2) {
  if (!(beta1 >= 0 && beta1 < 1)) throw std::invalid_argument("Adam: beta1 must be in [0, 1), got " + std::to_string(beta1));
  if (!(beta2 >= 0 && beta2 < 1)) throw std::invalid_argument("Adam: beta2 must be in [0, 1), got " + std::to_string(beta2));
}

template <typename T>
void Adam<T>::update(std::size_t index, Tensor<T>& param, const Tensor<T>& grad) {
  const std::size_t count = this->params().size();
  Tensor<T>& mt = detail::state_slot(m_, count, index, param);
  Tensor<T>& vt = detail::state_slot(v_, count, index, param);
  if (t_.size() < count) t_.resize(count, 0);
  const double t = static_cast<double>(++t_[index]);
  // The bias correction in double: β2^t is 0.999^t, whose complement is tiny early on.
  const T lr_t = static_cast<T>(this->lr() * std::sqrt(1.0 - std::pow(beta2_, t)) / (1.0 - std::pow(beta1_, t)));
  const T a1 = static_cast<T>(1.0 - beta1_), a2 = static_cast<T>(1.0 - beta2_), eps = static_cast<T>(1e-7);
  T* w = param.data();
  T* m = mt.data();
  T* v = vt.data();
  const T* g = grad.data();
  // Large parameters split across threads (elementwise: the same bits at any thread count).
  detail::parallel_range(param.size(), std::size_t(1) << 16, [&](std::size_t begin, std::size_t end) {
    adam_step(w + begin, m + begin, v + begin, g + begin, end - begin, a1, a2, lr_t, eps);
  });
}

template <typename T>
typename Optimizer<T>::StateRefs Adam<T>::state_refs() {
  return {{{"m", &m_}, {"v", &v_}}, {{"t", &t_}}};
}

template <typename T>
void Adam<T>::add_hyperparameters(nlohmann::json& spec) const {
  spec["beta1"] = beta1_;
  spec["beta2"] = beta2_;
}

template class Adam<float>;
template class Adam<double>;

}  // namespace minidl
