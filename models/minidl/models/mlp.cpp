#include "minidl/models/mlp.hpp"

#include <stdexcept>

namespace minidl::models {

template <typename T>
MLP<T>::MLP(const std::vector<std::size_t>& sizes, Generator& gen, Activation activation, Init init, double stddev)
    : sizes_(sizes), activation_(activation), init_(init), stddev_(stddev) {
  if (sizes.size() < 2) throw std::invalid_argument("MLP: needs at least an input and an output size");
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    if (sizes[i] == 0 || sizes[i + 1] == 0) throw std::invalid_argument("MLP: layer sizes must be positive");
    this->add("fc" + std::to_string(i + 1),
              std::make_shared<Linear<T>>(sizes[i], sizes[i + 1], gen, init, stddev));
    if (i + 2 < sizes.size()) this->add("act" + std::to_string(i + 1), make_activation<T>(activation));
  }
}

template <typename T>
std::string MLP<T>::describe() const {
  std::string s = "MLP(";
  for (std::size_t i = 0; i < sizes_.size(); ++i) s += (i ? "-" : "") + std::to_string(sizes_[i]);
  return s + ")";
}

template class MLP<float>;
template class MLP<double>;

}  // namespace minidl::models
