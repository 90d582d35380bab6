#include "minidl/nn/embedding.hpp"

#include <stdexcept>

#include "minidl/ops/index.hpp"

namespace minidl {

template <typename T>
Embedding<T>::Embedding(std::size_t vocabulary, std::size_t dim, Generator& gen, double stddev) {
  if (vocabulary == 0 || dim == 0) {
    throw std::invalid_argument("Embedding: vocabulary and dim must be positive, got " + std::to_string(vocabulary) +
                                " x " + std::to_string(dim));
  }
  W = this->register_parameter("W", Variable<T>(randn_tensor<T>({vocabulary, dim}, gen, 0.0, stddev)));
}

template <typename T>
Variable<T> Embedding<T>::forward(const IndexTensor& ids) {
  return index_select(W, 0, ids);
}

template <typename T>
Variable<T> Embedding<T>::forward(const Variable<T>& x) {
  throw std::logic_error("Embedding: takes token ids as an IndexTensor, not a float Variable of shape " +
                         shape_str(x.shape()) + "; call forward(const IndexTensor&)");
}

template <typename T>
std::string Embedding<T>::describe() const {
  return "Embedding(" + std::to_string(W.shape()[0]) + ", " + std::to_string(W.shape()[1]) + ")";
}

template class Embedding<float>;
template class Embedding<double>;

}  // namespace minidl
