#include "minidl/detail/finite.hpp"

#include <cmath>

namespace minidl::detail {

template <typename T>
std::size_t first_non_finite(const Tensor<T>& t) {
  const T* p = t.data();
  for (std::size_t i = 0, n = t.size(); i < n; ++i) {
    if (!std::isfinite(p[i])) return i;
  }
  return t.size();
}

std::string flat_index_str(std::size_t flat, const Shape& s) {
  Shape idx(s.size());
  for (std::size_t d = s.size(); d-- > 0;) {
    idx[d] = s[d] ? flat % s[d] : 0;
    flat = s[d] ? flat / s[d] : 0;
  }
  return shape_str(idx);
}

template std::size_t first_non_finite<float>(const Tensor<float>&);
template std::size_t first_non_finite<double>(const Tensor<double>&);

}  // namespace minidl::detail
