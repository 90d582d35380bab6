#include "minidl/text/svd_embedding.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "minidl/detail/lapack.hpp"

namespace minidl {
namespace text {

Tensor<float> svd_embeddings(const Tensor<float>& m, std::size_t dim) {
  if (m.dimension() != 2 || m.shape(0) != m.shape(1)) {
    throw std::invalid_argument("svd_embeddings: the matrix must be square (V,V), got " + shape_str(to_shape(m.shape())));
  }
  const std::size_t v = m.shape(0);
  if (dim == 0 || dim > v) {
    throw std::invalid_argument("svd_embeddings: dim " + std::to_string(dim) + " is not in [1, " + std::to_string(v) + "]");
  }
  std::vector<double> a(v * v);
  const float* p = m.data();
  for (std::size_t i = 0; i < v; ++i) {
    for (std::size_t j = 0; j < v; ++j) {
      if (p[i * v + j] != p[j * v + i]) {
        throw std::invalid_argument("svd_embeddings: the matrix is not symmetric at (" + std::to_string(i) + "," +
                                    std::to_string(j) + ")");
      }
      a[i * v + j] = p[i * v + j];
    }
  }
  const lapack::SymmetricEigen top = lapack::symmetric_eigen(a, v, v - dim, v - 1);
  // Candidates: the dim largest and, when they do not overlap them, the dim smallest eigenpairs.
  struct Pair {
    double value;
    const double* vector;
  };
  std::vector<Pair> pairs;
  for (std::size_t j = 0; j < dim; ++j) pairs.push_back({top.values[j], &top.vectors[j * v]});
  lapack::SymmetricEigen bottom;
  if (v - dim > 0) {
    bottom = lapack::symmetric_eigen(std::move(a), v, 0, std::min(dim, v - dim) - 1);
    for (std::size_t j = 0; j < bottom.values.size(); ++j) pairs.push_back({bottom.values[j], &bottom.vectors[j * v]});
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& x, const Pair& y) { return std::abs(x.value) > std::abs(y.value); });
  Tensor<float> out = zeros_tensor<float>({v, dim});
  float* o = out.data();
  for (std::size_t k = 0; k < dim; ++k) {
    const double* u = pairs[k].vector;
    std::size_t big = 0;
    for (std::size_t i = 1; i < v; ++i) big = std::abs(u[i]) > std::abs(u[big]) ? i : big;
    const double sign = u[big] < 0 ? -1.0 : 1.0;
    for (std::size_t i = 0; i < v; ++i) o[i * dim + k] = static_cast<float>(sign * u[i]);
  }
  return out;
}

}  // namespace text
}  // namespace minidl
