#include "minidl/nn/linear.hpp"

#include "minidl/ops/matrix.hpp"

namespace minidl {

template <typename T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, Generator& gen, Init init, double stddev) {
  W = this->register_parameter("W", Variable<T>(init_weight<T>({in_features, out_features}, in_features, init, gen, stddev)));
  b = this->register_parameter("b", zeros<T>({out_features}));
}

template <typename T>
Variable<T> Linear<T>::forward(const Variable<T>& x) {
  // The op reads (...,in) and (N,...) inputs in place as matrices: no reshape copy either way.
  return linear(x, W, b);
}

template <typename T>
std::string Linear<T>::describe() const {
  return "Linear(" + std::to_string(W.shape()[0]) + " -> " + std::to_string(W.shape()[1]) + ")";
}

template class Linear<float>;
template class Linear<double>;

}  // namespace minidl
