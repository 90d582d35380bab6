#include "minidl/optim/optimizer.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "minidl/core/grad_mode.hpp"

namespace minidl {

namespace {

template <typename T>
double squared_norm(const Tensor<T>& g) {
  // Double accumulation: a float sum over a million squares loses several digits.
  const T* p = g.data();
  const std::size_t n = g.size();
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(p[i]) * static_cast<double>(p[i]);
  return s;
}

void check_non_negative(const char* what, double v) {
  if (!(v >= 0)) throw std::invalid_argument(std::string("Optimizer: ") + what + " must be >= 0, got " + std::to_string(v));
}

}  // namespace

template <typename T>
Optimizer<T>::Optimizer(std::vector<Variable<T>> params, double lr)
    : params_(std::move(params)), lr_(lr), decay_(params_.size(), 0.0), frozen_(params_.size(), 0),
      scratch_(params_.size()) {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].defined()) throw std::invalid_argument("Optimizer: parameter " + std::to_string(i) + " is undefined");
  }
  if (!(lr >= 0)) throw std::invalid_argument("Optimizer: learning rate must be >= 0, got " + std::to_string(lr));
}

template <typename T>
void Optimizer<T>::step() {
  NoGradGuard no_grad;
  // Clipping needs the norm over every gradient before any parameter moves.
  double scale = 1;
  if (clip_norm_ > 0) {
    double sq = 0;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (!frozen_[i] && params_[i].has_grad()) sq += squared_norm(params_[i].grad().data());
    }
    last_norm_ = std::sqrt(sq);
    if (last_norm_ > clip_norm_) scale = clip_norm_ / last_norm_;
  }
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Variable<T>& p = params_[i];
    if (frozen_[i] || !p.has_grad()) continue;
    Tensor<T>& w = p.data();
    const Tensor<T>& g = p.grad().data();
    const double lambda = decay_[i];
    if (scale == 1 && lambda == 0) {
      update(i, w, g);
      continue;
    }
    // g' = scale·g + λ·W into this parameter's scratch buffer; the stored (maybe shared) gradient
    // stays as backward() left it.
    Tensor<T>& s = scratch_[i];
    if (s.shape() != w.shape()) s = Tensor<T>::from_shape(w.shape());
    const T a = static_cast<T>(scale), l = static_cast<T>(lambda);
    const T* gp = g.data();
    const T* wp = w.data();
    T* sp = s.data();
    const std::size_t n = w.size();
    for (std::size_t k = 0; k < n; ++k) sp[k] = a * gp[k] + l * wp[k];
    update(i, w, s);
  }
  ++steps_;
}

template <typename T>
void Optimizer<T>::zero_grad() {
  for (const auto& p : params_) p.clear_grad();
}

template <typename T>
void Optimizer<T>::set_lr(double lr) {
  if (!(lr >= 0)) throw std::invalid_argument("Optimizer: learning rate must be >= 0, got " + std::to_string(lr));
  lr_ = lr;
}

template <typename T>
void Optimizer<T>::set_weight_decay(double lambda) {
  check_non_negative("weight decay", lambda);
  for (auto& d : decay_) d = lambda;
}

template <typename T>
void Optimizer<T>::set_weight_decay(std::size_t index, double lambda) {
  check_non_negative("weight decay", lambda);
  decay_.at(index) = lambda;
}

template <typename T>
void Optimizer<T>::set_weight_decay(const Variable<T>& p, double lambda) {
  set_weight_decay(index_of(p), lambda);
}

template <typename T>
void Optimizer<T>::set_clip_norm(double max_norm) {
  check_non_negative("clip norm", max_norm);
  clip_norm_ = max_norm;
  if (max_norm == 0) last_norm_ = 0;
}

template <typename T>
void Optimizer<T>::freeze(std::size_t index, bool frozen) {
  frozen_.at(index) = frozen ? 1 : 0;
}

template <typename T>
void Optimizer<T>::freeze(const Variable<T>& p, bool frozen) {
  freeze(index_of(p), frozen);
}

template <typename T>
std::size_t Optimizer<T>::index_of(const Variable<T>& p) const {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (p.defined() && params_[i].node() == p.node()) return i;
  }
  throw std::invalid_argument("Optimizer: variable '" + (p.defined() ? p.name() : std::string("<undefined>")) +
                              "' is not one of its parameters");
}

template <typename T>
double grad_norm(const std::vector<Variable<T>>& params) {
  double sq = 0;
  for (const auto& p : params) {
    if (p.has_grad()) sq += squared_norm(p.grad().data());
  }
  return std::sqrt(sq);
}

template <typename T>
double clip_grad_norm(const std::vector<Variable<T>>& params, double max_norm) {
  if (!(max_norm >= 0)) throw std::invalid_argument("clip_grad_norm: max_norm must be >= 0, got " + std::to_string(max_norm));
  const double norm = grad_norm(params);
  if (!(norm > max_norm)) return norm;
  const T scale = static_cast<T>(max_norm / norm);
  for (const auto& p : params) {
    if (!p.has_grad()) continue;
    // A fresh tensor per gradient: writing into the old one would also scale every other
    // parameter sharing it (and scale a shared tensor twice).
    const Tensor<T>& g = p.grad().data();
    Tensor<T> scaled = Tensor<T>::from_shape(g.shape());
    const T* gp = g.data();
    T* sp = scaled.data();
    for (std::size_t k = 0; k < g.size(); ++k) sp[k] = scale * gp[k];
    p.set_grad(Variable<T>(std::move(scaled)));
  }
  return norm;
}

template <typename T>
std::vector<Variable<T>> trainable(const std::vector<Variable<T>>& params) {
  std::vector<Variable<T>> out;
  for (const auto& p : params) {
    if (p.defined() && p.requires_grad()) out.push_back(p);
  }
  return out;
}

template class Optimizer<float>;
template class Optimizer<double>;
template double grad_norm<float>(const std::vector<Variable<float>>&);
template double grad_norm<double>(const std::vector<Variable<double>>&);
template double clip_grad_norm<float>(const std::vector<Variable<float>>&, double);
template double clip_grad_norm<double>(const std::vector<Variable<double>>&, double);
template std::vector<Variable<float>> trainable<float>(const std::vector<Variable<float>>&);
template std::vector<Variable<double>> trainable<double>(const std::vector<Variable<double>>&);

}  // namespace minidl
