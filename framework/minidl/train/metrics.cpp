#include "minidl/train/metrics.hpp"

#include <stdexcept>

namespace minidl {

template <typename T>
std::vector<std::size_t> argmax_rows(const Tensor<T>& scores) {
  if (scores.dimension() != 2) {
    throw std::invalid_argument("argmax_rows: expected (N,C) scores, got " + shape_str(to_shape(scores.shape())));
  }
  const std::size_t n = scores.shape()[0], c = scores.shape()[1];
  std::vector<std::size_t> out(n);
  const T* p = scores.data();
  for (std::size_t i = 0; i < n; ++i) {
    const T* row = p + i * c;
    std::size_t best = 0;
    for (std::size_t k = 1; k < c; ++k) {
      if (row[k] > row[best]) best = k;
    }
    out[i] = best;
  }
  return out;
}

template <typename T>
std::size_t count_correct(const Tensor<T>& scores, const std::vector<std::size_t>& labels) {
  const auto pred = argmax_rows(scores);
  if (pred.size() != labels.size()) {
    throw std::invalid_argument("accuracy: " + std::to_string(pred.size()) + " score rows but " +
                                std::to_string(labels.size()) + " labels");
  }
  std::size_t correct = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) correct += pred[i] == labels[i];
  return correct;
}

template <typename T>
double accuracy(const Tensor<T>& scores, const std::vector<std::size_t>& labels) {
  if (labels.empty()) return 0.0;
  return static_cast<double>(count_correct(scores, labels)) / static_cast<double>(labels.size());
}

template std::vector<std::size_t> argmax_rows<float>(const Tensor<float>&);
template std::vector<std::size_t> argmax_rows<double>(const Tensor<double>&);
template std::size_t count_correct<float>(const Tensor<float>&, const std::vector<std::size_t>&);
template std::size_t count_correct<double>(const Tensor<double>&, const std::vector<std::size_t>&);
template double accuracy<float>(const Tensor<float>&, const std::vector<std::size_t>&);
template double accuracy<double>(const Tensor<double>&, const std::vector<std::size_t>&);

}  // namespace minidl
