#include "minidl/nn/batch_norm.hpp"

#include <sstream>
#include <stdexcept>
#include <string>


namespace minidl {

template <typename T>
BatchNorm<T>::BatchNorm(std::size_t num_features, double momentum, double eps)
    : num_features_(num_features), momentum_(momentum), eps_(eps) {
  if (num_features == 0) throw std::invalid_argument("BatchNorm: num_features must be positive");
  if (!(momentum >= 0.0 && momentum <= 1.0)) {
    std::ostringstream msg;
    msg << "BatchNorm: momentum must be in [0, 1], got " << momentum;
    throw std::invalid_argument(msg.str());
  }
  if (!(eps > 0.0)) throw std::invalid_argument("BatchNorm: eps must be positive");
  gamma = this->register_parameter("gamma", ones<T>({num_features}));
  beta = this->register_parameter("beta", zeros<T>({num_features}));
  running_mean = this->register_buffer("running_mean", zeros<T>({num_features}));
  running_var = this->register_buffer("running_var", ones<T>({num_features}));
}

template <typename T>
Variable<T> BatchNorm<T>::forward(const Variable<T>& x) {
  if (x.ndim() < 2 || x.shape()[1] != num_features_) {
    const std::string got = x.ndim() < 2 ? "no channel axis" : std::to_string(x.shape()[1]) + " channels";
    throw std::invalid_argument(describe() + ": x " + shape_str(x.shape()) + " has " + got + ", expected " +
                                std::to_string(num_features_));
  }
  if (!this->is_training()) {
    return batch_norm_eval(x, gamma, beta, running_mean.data(), running_var.data(), eps_);
  }
  BatchNormStats<T> stats;
  Variable<T> y = batch_norm(x, gamma, beta, eps_, &stats);
  // Buffers are updated in place: they are constants to every graph, so no recorded op reads them.
  const T m = static_cast<T>(momentum_), k = static_cast<T>(1.0 - momentum_);
  T* rm = running_mean.data().data();
  T* rv = running_var.data().data();
  for (std::size_t c = 0; c < num_features_; ++c) {
    rm[c] = m * rm[c] + k * stats.mean.data()[c];
    rv[c] = m * rv[c] + k * stats.var.data()[c];
  }
  return y;
}

template <typename T>
std::string BatchNorm<T>::describe() const {
  return "BatchNorm(" + std::to_string(num_features_) + ")";
}

template class BatchNorm<float>;
template class BatchNorm<double>;

}  // namespace minidl
