#include "minidl/models/multi_layer_net.hpp"

#include <sstream>
#include <stdexcept>

#include <minidl/core/grad_mode.hpp>
#include <minidl/ops/arithmetic.hpp>
#include <minidl/ops/elementwise.hpp>
#include <minidl/ops/loss.hpp>
#include <minidl/ops/reduction.hpp>
#include <minidl/train/metrics.hpp>

namespace minidl::models {

template <typename T>
MultiLayerNet<T>::MultiLayerNet(const MultiLayerNetConfig& config, Generator& gen) : config_(config) {
  if (config.input_size == 0 || config.output_size == 0) {
    throw std::invalid_argument("MultiLayerNet: input and output sizes must be positive");
  }
  for (std::size_t h : config.hidden_sizes) {
    if (h == 0) throw std::invalid_argument("MultiLayerNet: hidden sizes must be positive");
  }
  if (!(config.weight_decay_lambda >= 0.0)) throw std::invalid_argument("MultiLayerNet: weight_decay_lambda must be >= 0");
  if (config.use_dropout && !(config.dropout_ratio >= 0.0 && config.dropout_ratio < 1.0)) {
    throw std::invalid_argument("MultiLayerNet: dropout_ratio must be in [0, 1)");
  }

  std::vector<std::size_t> sizes{config.input_size};
  sizes.insert(sizes.end(), config.hidden_sizes.begin(), config.hidden_sizes.end());
  sizes.push_back(config.output_size);
  const std::size_t L = sizes.size() - 1;  // number of Affine layers
  for (std::size_t i = 1; i <= L; ++i) {
    auto affine = std::make_shared<Linear<T>>(sizes[i - 1], sizes[i], gen, config.init, config.weight_init_std);
    affines.push_back(this->register_module("affine" + std::to_string(i), affine));
  }
  // Masks come from the net's own generator, drawn after every weight so weights do not depend on
  // use_dropout.
  dropout_gen_ = std::make_unique<Generator>(config.use_dropout ? gen.engine()() : 0);

  for (std::size_t i = 1; i <= L; ++i) {
    layers_.push_back(affines[i - 1]);
    if (i == L) break;
    const std::string k = std::to_string(i);
    if (config.use_batchnorm) {
      auto bn = this->register_module("bn" + k, std::make_shared<BatchNorm<T>>(sizes[i]));
      batch_norms.push_back(bn);
      layers_.push_back(bn);
    }
    layers_.push_back(this->register_module("act" + k, make_activation<T>(config.activation)));
    if (config.use_dropout) {
      layers_.push_back(this->register_module("dropout" + k, std::make_shared<Dropout<T>>(config.dropout_ratio, *dropout_gen_)));
    }
  }
}

template <typename T>
Variable<T> MultiLayerNet<T>::predict(const Variable<T>& x) {
  Variable<T> h = x;
  for (const auto& layer : layers_) h = layer->forward(h);
  return h;
}

template <typename T>
Variable<T> MultiLayerNet<T>::weight_decay_term() const {
  Variable<T> total = scalar<T>(T(0));
  if (config_.weight_decay_lambda == 0.0) return total;
  for (const auto& a : affines) total = total + sum(square(a->W));
  return total * (0.5 * config_.weight_decay_lambda);
}

template <typename T>
Variable<T> MultiLayerNet<T>::loss(const Variable<T>& x, const std::vector<std::size_t>& labels) {
  const Variable<T> data_loss = softmax_cross_entropy(predict(x), labels);
  if (config_.weight_decay_lambda == 0.0) return data_loss;
  return data_loss + weight_decay_term();
}

template <typename T>
double MultiLayerNet<T>::accuracy(const Variable<T>& x, const std::vector<std::size_t>& labels) {
  EvalModeGuard<T> eval_mode(*this);
  NoGradGuard no_grad;
  return minidl::accuracy(predict(x).data(), labels);
}

template <typename T>
std::string MultiLayerNet<T>::describe() const {
  std::ostringstream s;
  s << "MultiLayerNet(" << config_.input_size;
  for (std::size_t h : config_.hidden_sizes) s << "-" << h;
  s << "-" << config_.output_size << ", " << activation_name(config_.activation) << ", " << init_name(config_.init);
  if (config_.init == Init::Std) s << " " << config_.weight_init_std;
  if (config_.use_batchnorm) s << ", bn";
  if (config_.use_dropout) s << ", dropout " << config_.dropout_ratio;
  if (config_.weight_decay_lambda > 0) s << ", weight decay " << config_.weight_decay_lambda;
  return s.str() + ")";
}

template class MultiLayerNet<float>;
template class MultiLayerNet<double>;

}  // namespace minidl::models
