#include "minidl/nn/linear.hpp"

#include "minidl/ops/matrix.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {

template <typename T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, Generator& gen, Init init, double stddev) {
  W = this->register_parameter("W", Variable<T>(init_weight<T>({in_features, out_features}, in_features, init, gen, stddev)));
  b = this->register_parameter("b", zeros<T>({out_features}));
}

template <typename T>
Variable<T> Linear<T>::forward(const Variable<T>& x) {
  const auto& xs = x.data().shape();  // read in place: a Shape copy is a heap allocation per call
  const std::size_t in = W.data().shape()[0];
  if (xs.size() > 2 && xs.back() == in) {
    // (..., D): every leading position is a row of one GEMM; (N,T,D) -> (N,T,H), the book's TimeAffine.
    Shape out(xs.begin(), xs.end() - 1);
    out.push_back(W.data().shape()[1]);
    return reshape(linear(reshape(x, Shape{x.size() / in, in}), W, b), out);
  }
  return linear(xs.size() > 2 ? flatten(x, 1) : x, W, b);
}

template <typename T>
std::string Linear<T>::describe() const {
  return "Linear(" + std::to_string(W.shape()[0]) + " -> " + std::to_string(W.shape()[1]) + ")";
}

template class Linear<float>;
template class Linear<double>;

}  // namespace minidl
