#include "minidl/ops/index.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "minidl/core/record.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {

using SharedIndices = std::shared_ptr<const IndexTensor>;

std::string position_str(std::size_t flat, const IndexTensor& indices) {
  const auto& s = indices.shape();
  std::vector<std::size_t> at(s.size());
  for (std::size_t d = s.size(); d-- > 0;) {
    at[d] = flat % s[d];
    flat /= s[d];
  }
  std::string out = "(";
  for (std::size_t d = 0; d < at.size(); ++d) out += (d ? "," : "") + std::to_string(at[d]);
  return out + ")";
}

// Throws unless every index is in [0, extent), naming the first bad one and where it sits.
void check_indices(const char* op, const IndexTensor& indices, std::size_t extent, std::size_t axis, const Shape& of) {
  const Index* p = indices.data();
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (p[k] < 0 || static_cast<std::size_t>(p[k]) >= extent) {
      throw std::invalid_argument(std::string(op) + ": index " + std::to_string(p[k]) + " at position " +
                                  position_str(k, indices) + " is out of range [0, " + std::to_string(extent) +
                                  ") for axis " + std::to_string(axis) + " of " + shape_str(of));
    }
  }
}

// Products of the extents before `axis` and after `axis + count`.
std::size_t prod(const Shape& s, std::size_t from, std::size_t to) {
  std::size_t p = 1;
  for (std::size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

template <typename T>
Variable<T> select_shared(const Variable<T>& x, std::size_t ax, const SharedIndices& idx);

template <typename T>
Variable<T> add_shared(const Variable<T>& x, std::size_t ax, const SharedIndices& idx, std::size_t extent) {
  const Shape xs = x.shape();
  const std::size_t ni = idx->dimension();
  Shape ys(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(ax));
  ys.push_back(extent);
  ys.insert(ys.end(), xs.begin() + static_cast<std::ptrdiff_t>(ax + ni), xs.end());
  const std::size_t outer = prod(xs, 0, ax), inner = prod(xs, ax + ni, xs.size()), K = idx->size();
  Tensor<T> y = zeros_tensor<T>(ys);
  const T* px = x.data().data();
  T* py = y.data();
  const Index* pi = idx->data();
  for (std::size_t o = 0; o < outer; ++o) {
    for (std::size_t k = 0; k < K; ++k) {
      T* dst = py + (o * extent + static_cast<std::size_t>(pi[k])) * inner;
      const T* src = px + (o * K + k) * inner;
      for (std::size_t j = 0; j < inner; ++j) dst[j] += src[j];
    }
  }
  return record<T>("index_add", std::move(y), {x},
                   [ax, idx](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({select_shared(gy, ax, idx)});
                   });
}

template <typename T>
Variable<T> select_shared(const Variable<T>& x, std::size_t ax, const SharedIndices& idx) {
  const Shape xs = x.shape();
  const std::size_t n = xs[ax];
  Shape ys(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(ax));
  ys.insert(ys.end(), idx->shape().begin(), idx->shape().end());
  ys.insert(ys.end(), xs.begin() + static_cast<std::ptrdiff_t>(ax + 1), xs.end());
  const std::size_t outer = prod(xs, 0, ax), inner = prod(xs, ax + 1, xs.size()), K = idx->size();
  Tensor<T> y = Tensor<T>::from_shape(ys);
  const T* px = x.data().data();
  T* py = y.data();
  const Index* pi = idx->data();
  if (inner) {
    for (std::size_t o = 0; o < outer; ++o) {
      for (std::size_t k = 0; k < K; ++k) {
        std::memcpy(py + (o * K + k) * inner, px + (o * n + static_cast<std::size_t>(pi[k])) * inner, inner * sizeof(T));
      }
    }
  }
  return record<T>("index_select", std::move(y), {x},
                   [ax, idx, n](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({add_shared(gy, ax, idx, n)});
                   });
}

}  // namespace

template <typename T>
Variable<T> index_select(const Variable<T>& x, int axis, const IndexTensor& indices) {
  const Shape xs = x.shape();
  if (xs.empty()) throw std::invalid_argument("index_select: needs at least a 1-D tensor, got shape ()");
  const std::size_t ax = resolve_axis("index_select", axis, xs);
  check_indices("index_select", indices, xs[ax], ax, xs);
  return select_shared(x, ax, std::make_shared<const IndexTensor>(indices));
}

template <typename T>
Variable<T> index_add(const Variable<T>& x, int axis, const IndexTensor& indices, std::size_t extent) {
  const Shape xs = x.shape();
  const std::size_t ni = indices.dimension();
  if (xs.size() < ni) {
    throw std::invalid_argument("index_add: x " + shape_str(xs) + " has fewer axes than the indices " +
                                shape_str(to_shape(indices.shape())));
  }
  // Axes of the result: x's, with the indices' axes folded into one.
  const Shape result_rank(xs.size() - ni + 1, 1);
  const std::size_t ax = resolve_axis("index_add", axis, result_rank);
  const Shape is = to_shape(indices.shape());
  if (!std::equal(is.begin(), is.end(), xs.begin() + static_cast<std::ptrdiff_t>(ax))) {
    throw std::invalid_argument("index_add: x " + shape_str(xs) + " does not hold the indices' shape " +
                                shape_str(is) + " at axis " + std::to_string(ax));
  }
  Shape ys(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(ax));
  ys.push_back(extent);
  ys.insert(ys.end(), xs.begin() + static_cast<std::ptrdiff_t>(ax + ni), xs.end());
  check_indices("index_add", indices, extent, ax, ys);
  return add_shared(x, ax, std::make_shared<const IndexTensor>(indices), extent);
}

#define MINIDL_INSTANTIATE(T)                                                              \
  template Variable<T> index_select<T>(const Variable<T>&, int, const IndexTensor&);       \
  template Variable<T> index_add<T>(const Variable<T>&, int, const IndexTensor&, std::size_t);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
