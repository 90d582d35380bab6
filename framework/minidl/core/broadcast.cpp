#include "minidl/core/broadcast.hpp"

#include <stdexcept>

#include <xtensor/xreducer.hpp>

namespace minidl {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Walk from the trailing axis; a missing axis behaves as extent 1.
    const std::size_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const std::size_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                                  " cannot be broadcast together");
    }
    out[n - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// S: a Shape or a tensor's own shape type, read in place.
template <typename T, typename S>
Tensor<T> sum_to_impl(const Tensor<T>& x, const S& shape) {
  const auto& xs = x.shape();
  if (equal_extents(xs, shape)) return x;
  if (!broadcastable_to(shape, xs)) {
    throw std::invalid_argument("sum_to: cannot sum shape " + shape_str(to_shape(xs)) + " down to " +
                                shape_str(to_shape(shape)));
  }
  const std::size_t lead = xs.size() - shape.size();
  // Fast path for the bias gradient of a dense layer: (N, D) -> (D) or (1, D) as a raw row loop.
  std::size_t target_size = 1;
  for (std::size_t e : shape) target_size *= e;
  const std::size_t rows = target_size ? x.size() / target_size : 0;
  // When `shape` (minus leading 1s) equals x's trailing axes, x is (rows, target_size) in memory.
  std::size_t first = 0;
  while (first < shape.size() && shape[first] == 1) ++first;
  bool trailing_only = true;
  for (std::size_t i = first; i < shape.size(); ++i) {
    if (shape[i] != xs[lead + i]) trailing_only = false;
  }
  if (trailing_only) {
    Tensor<T> out = Tensor<T>::from_shape(shape);
    std::fill(out.begin(), out.end(), T(0));
    const T* src = x.data();
    T* dst = out.data();
    for (std::size_t r = 0; r < rows; ++r) {
      const T* row = src + r * target_size;
      for (std::size_t j = 0; j < target_size; ++j) dst[j] += row[j];
    }
    return out;
  }
  std::vector<std::size_t> axes;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && xs[i] != 1)) axes.push_back(i);
  }
  Tensor<T> summed = xt::sum(x, axes, xt::evaluation_strategy::immediate);
  summed.reshape(shape);
  return summed;
}

}  // namespace

template <typename T>
Tensor<T> sum_to_tensor(const Tensor<T>& x, const Shape& shape) {
  return sum_to_impl(x, shape);
}

template <typename T>
Tensor<T> sum_to_tensor_like(const Tensor<T>& x, const Tensor<T>& like) {
  return sum_to_impl(x, like.shape());
}

template Tensor<float> sum_to_tensor<float>(const Tensor<float>&, const Shape&);
template Tensor<double> sum_to_tensor<double>(const Tensor<double>&, const Shape&);
template Tensor<float> sum_to_tensor_like<float>(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> sum_to_tensor_like<double>(const Tensor<double>&, const Tensor<double>&);

}  // namespace minidl
