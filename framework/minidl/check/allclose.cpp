#include "minidl/check/allclose.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace minidl {
namespace {

template <typename T>
void check_shapes(const char* op, const Tensor<T>& a, const Tensor<T>& b) {
  if (a.shape() != b.shape()) {
    throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(to_shape(a.shape())) + " and " +
                                shape_str(to_shape(b.shape())) + " differ");
  }
}

}  // namespace

template <typename T>
double max_abs_diff(const Tensor<T>& a, const Tensor<T>& b) {
  check_shapes("max_abs_diff", a, b);
  const T* pa = a.data();
  const T* pb = b.data();
  double worst = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double x = pa[k], y = pb[k];
    if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
    if (x == y) continue;  // equal infinities differ by 0, not inf − inf = NaN
    worst = std::max(worst, std::fabs(x - y));
  }
  return worst;
}

template <typename T>
double max_abs_diff(const Variable<T>& a, const Variable<T>& b) {
  return max_abs_diff(a.data(), b.data());
}

template <typename T>
bool allclose(const Tensor<T>& a, const Tensor<T>& b, double rtol, double atol, bool equal_nan) {
  check_shapes("allclose", a, b);
  const T* pa = a.data();
  const T* pb = b.data();
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double x = pa[k], y = pb[k];
    if (std::isnan(x) || std::isnan(y)) {
      if (equal_nan && std::isnan(x) && std::isnan(y)) continue;
      return false;
    }
    if (x == y) continue;
    if (!(std::fabs(x - y) <= atol + rtol * std::fabs(y))) return false;  // false for inf vs finite
  }
  return true;
}

template <typename T>
bool allclose(const Variable<T>& a, const Variable<T>& b, double rtol, double atol, bool equal_nan) {
  return allclose(a.data(), b.data(), rtol, atol, equal_nan);
}

#define MINIDL_INSTANTIATE(T)                                                                \
  template double max_abs_diff<T>(const Tensor<T>&, const Tensor<T>&);                       \
  template double max_abs_diff<T>(const Variable<T>&, const Variable<T>&);                   \
  template bool allclose<T>(const Tensor<T>&, const Tensor<T>&, double, double, bool);       \
  template bool allclose<T>(const Variable<T>&, const Variable<T>&, double, double, bool);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
