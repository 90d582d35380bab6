#include "minidl/models/two_layer_net.hpp"

#include <minidl/core/grad_mode.hpp>
#include <minidl/ops/elementwise.hpp>
#include <minidl/ops/loss.hpp>
#include <minidl/train/metrics.hpp>

namespace minidl::models {

const std::map<std::string, std::string>& two_layer_net_book_names() {
  static const std::map<std::string, std::string> names{
      {"W1", "affine1.W"}, {"b1", "affine1.b"}, {"W2", "affine2.W"}, {"b2", "affine2.b"}};
  return names;
}

template <typename T>
TwoLayerNet<T>::TwoLayerNet(std::size_t input_size, std::size_t hidden_size, std::size_t output_size, Generator& gen,
                            double weight_init_std)
    : weight_init_std_(weight_init_std) {
  affine1 = this->register_module("affine1",
                                  std::make_shared<Linear<T>>(input_size, hidden_size, gen, Init::Std, weight_init_std));
  affine2 = this->register_module("affine2",
                                  std::make_shared<Linear<T>>(hidden_size, output_size, gen, Init::Std, weight_init_std));
}

template <typename T>
Variable<T> TwoLayerNet<T>::predict(const Variable<T>& x) {
  return affine2->forward(relu(affine1->forward(x)));
}

template <typename T>
Variable<T> TwoLayerNet<T>::loss(const Variable<T>& x, const std::vector<std::size_t>& labels) {
  return softmax_cross_entropy(predict(x), labels);
}

template <typename T>
double TwoLayerNet<T>::accuracy(const Variable<T>& x, const std::vector<std::size_t>& labels) {
  NoGradGuard no_grad;
  return minidl::accuracy(predict(x).data(), labels);
}

template <typename T>
std::vector<std::pair<std::string, Variable<T>>> TwoLayerNet<T>::book_params() const {
  return {{"W1", affine1->W}, {"b1", affine1->b}, {"W2", affine2->W}, {"b2", affine2->b}};
}

template <typename T>
GradMap<T> TwoLayerNet<T>::numerical_gradient_full_forward(const Variable<T>& x, const std::vector<std::size_t>& labels,
                                                          double h) {
  NoGradGuard no_grad;  // only values are needed: recording a graph per probe would waste time
  GradMap<T> grads;
  for (const auto& [name, p] : book_params()) {
    Tensor<T>& w = p.data();
    Tensor<T> g = Tensor<T>::from_shape(w.shape());
    T* pw = w.data();
    for (std::size_t i = 0; i < w.size(); ++i) {
      const T saved = pw[i];
      pw[i] = static_cast<T>(saved + h);
      const double plus = loss(x, labels).item();
      pw[i] = static_cast<T>(saved - h);
      const double minus = loss(x, labels).item();
      pw[i] = saved;
      g.data()[i] = static_cast<T>((plus - minus) / (2 * h));
    }
    grads.emplace(name, std::move(g));
  }
  return grads;
}

template <typename T>
GradMap<T> TwoLayerNet<T>::gradient(const Variable<T>& x, const std::vector<std::size_t>& labels) {
  this->zero_grad();
  loss(x, labels).backward();
  GradMap<T> grads;
  for (const auto& [name, p] : book_params()) grads.emplace(name, p.grad().data());
  return grads;
}

template class TwoLayerNet<float>;
template class TwoLayerNet<double>;

}  // namespace minidl::models
