#include "minidl/core/tensor.hpp"

#include <sstream>

namespace minidl {

std::string shape_str(const Shape& shape) {
  std::ostringstream out;
  out << '(';
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out << ',';
    out << shape[i];
  }
  out << ')';
  return out.str();
}

std::size_t shape_size(const Shape& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

template <>
const char* dtype_name<float>() {
  return "float32";
}
template <>
const char* dtype_name<double>() {
  return "float64";
}

template <typename T>
Tensor<T> zeros_tensor(const Shape& shape) {
  return full_tensor<T>(shape, T(0));
}

template <typename T>
Tensor<T> full_tensor(const Shape& shape, T value) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  std::fill(t.data(), t.data() + t.size(), value);
  return t;
}

template Tensor<float> zeros_tensor<float>(const Shape&);
template Tensor<double> zeros_tensor<double>(const Shape&);
template Tensor<float> full_tensor<float>(const Shape&, float);
template Tensor<double> full_tensor<double>(const Shape&, double);

}  // namespace minidl
