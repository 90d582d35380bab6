#include "minidl/ops/dropout.hpp"

#include <sstream>
#include <stdexcept>
#include <string>

#include <xtensor/xnoalias.hpp>

#include "minidl/core/record.hpp"
#include "minidl/ops/arithmetic.hpp"

namespace minidl {
namespace {

void check_ratio(double ratio) {
  if (!(ratio >= 0.0 && ratio < 1.0)) {
    std::ostringstream msg;
    msg << "dropout: ratio must be in [0, 1), got " << ratio;
    throw std::invalid_argument(msg.str());
  }
}

}  // namespace

template <typename T>
Tensor<T> dropout_mask(const Shape& shape, double ratio, Generator& gen) {
  check_ratio(ratio);
  Tensor<T> mask = Tensor<T>::from_shape(shape);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  T* m = mask.data();
  for (std::size_t i = 0; i < mask.size(); ++i) m[i] = dist(gen.engine()) >= ratio ? T(1) : T(0);
  return mask;
}

template <typename T>
Variable<T> dropout(const Variable<T>& x, const Tensor<T>& mask, double ratio) {
  check_ratio(ratio);
  const Shape xs = x.shape(), ms = to_shape(mask.shape());
  if (xs != ms) throw std::invalid_argument("dropout: x " + shape_str(xs) + " but mask " + shape_str(ms));
  // The scaled mask is the whole op: y = x * s and gx = gy * s with s = mask / (1 - ratio).
  const T scale = static_cast<T>(1.0 / (1.0 - ratio));
  Tensor<T> s = Tensor<T>::from_shape(xs);
  const T* m = mask.data();
  T* ps = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (m[i] != T(0) && m[i] != T(1)) {
      std::ostringstream msg;
      msg << "dropout: mask must hold only 0 and 1, found " << m[i] << " at flat index " << i;
      throw std::invalid_argument(msg.str());
    }
    ps[i] = m[i] * scale;
  }
  Tensor<T> y = Tensor<T>::from_shape(xs);
  xt::noalias(y) = x.data() * s;
  // A constant leaf: mul() by it records nothing for the mask, so gx = gy * s stays differentiable
  // in gy (create_graph) with a zero second derivative in x, as for any linear op.
  const Variable<T> smask(std::move(s));
  return record<T>("dropout", std::move(y), {x}, [smask](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({mul(gy, smask)});
  });
}

template <typename T>
Variable<T> dropout(const Variable<T>& x, double ratio, Generator& gen) {
  check_ratio(ratio);
  if (ratio == 0.0) return x;
  return dropout(x, dropout_mask<T>(x.shape(), ratio, gen), ratio);
}

#define MINIDL_INSTANTIATE(T)                                                          \
  template Tensor<T> dropout_mask<T>(const Shape&, double, Generator&);                \
  template Variable<T> dropout<T>(const Variable<T>&, const Tensor<T>&, double);       \
  template Variable<T> dropout<T>(const Variable<T>&, double, Generator&);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
