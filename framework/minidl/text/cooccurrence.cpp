#include "minidl/text/cooccurrence.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace minidl {
namespace text {

Tensor<float> cooccurrence_matrix(const IndexTensor& ids, std::size_t vocabulary, std::size_t window) {
  if (ids.dimension() != 1) {
    throw std::invalid_argument("cooccurrence_matrix: ids must be a 1-d stream, got shape " + shape_str(to_shape(ids.shape())));
  }
  if (window == 0) throw std::invalid_argument("cooccurrence_matrix: window must be >= 1");
  const std::size_t n = ids.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (ids(i) < 0 || static_cast<std::size_t>(ids(i)) >= vocabulary) {
      throw std::invalid_argument("cooccurrence_matrix: id " + std::to_string(ids(i)) + " at position " +
                                  std::to_string(i) + " is outside [0, " + std::to_string(vocabulary) + ")");
    }
  }
  Tensor<float> c = zeros_tensor<float>({vocabulary, vocabulary});
  float* m = c.data();
  // Each pair (i, i+d) counts once in both directions: the matrix comes out symmetric by construction.
  for (std::size_t i = 0; i < n; ++i) {
    const auto w = static_cast<std::size_t>(ids(i));
    for (std::size_t d = 1; d <= window && i + d < n; ++d) {
      const auto x = static_cast<std::size_t>(ids(i + d));
      m[w * vocabulary + x] += 1;
      m[x * vocabulary + w] += 1;
    }
  }
  return c;
}

Tensor<float> ppmi(const Tensor<float>& c, double eps) {
  if (c.dimension() != 2 || c.shape(0) != c.shape(1)) {
    throw std::invalid_argument("ppmi: the co-occurrence matrix must be square (V,V), got " + shape_str(to_shape(c.shape())));
  }
  const std::size_t v = c.shape(0);
  const float* m = c.data();
  std::vector<double> s(v, 0.0);
  double total = 0;
  for (std::size_t i = 0; i < v; ++i) {
    for (std::size_t j = 0; j < v; ++j) s[j] += m[i * v + j];
  }
  for (double x : s) total += x;
  Tensor<float> out = zeros_tensor<float>({v, v});
  float* o = out.data();
  for (std::size_t i = 0; i < v; ++i) {
    for (std::size_t j = 0; j < v; ++j) {
      const double cij = m[i * v + j];
      if (cij <= 0 || s[i] <= 0 || s[j] <= 0) continue;  // PMI of an unseen pair clips to 0
      const double pmi = std::log2(cij * total / (s[i] * s[j]) + eps);
      o[i * v + j] = static_cast<float>(std::max(0.0, pmi));
    }
  }
  return out;
}

}  // namespace text
}  // namespace minidl
