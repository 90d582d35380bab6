#pragma once
// Arithmetic with NumPy broadcasting: add, sub, mul, div, neg, pow, and the same with scalars.
// Every binary backward undoes broadcasting with sum_to, so (N,D)+(D) gives the bias its (D) grad.

#include "minidl/core/variable.hpp"

namespace minidl {

/// y = a + b, broadcast. Backward: (sum_to(gy, a), sum_to(gy, b)).
template <typename T>
Variable<T> add(const Variable<T>& a, const Variable<T>& b);
/// y = a - b, broadcast. Backward: (sum_to(gy, a), -sum_to(gy, b)).
template <typename T>
Variable<T> sub(const Variable<T>& a, const Variable<T>& b);
/// y = a * b elementwise, broadcast. Backward: (sum_to(gy*b, a), sum_to(gy*a, b)).
template <typename T>
Variable<T> mul(const Variable<T>& a, const Variable<T>& b);
/// y = a / b elementwise, broadcast. Backward: (sum_to(gy/b, a), sum_to(-gy*a/b², b)).
template <typename T>
Variable<T> div(const Variable<T>& a, const Variable<T>& b);
/// y = -x. Backward: -gy.
template <typename T>
Variable<T> neg(const Variable<T>& x);
/// y = x^c for a constant exponent c. Backward: gy * c * x^(c-1).
template <typename T>
Variable<T> pow(const Variable<T>& x, double c);

/// y = x + s for a constant s. Backward: gy.
template <typename T>
Variable<T> add_scalar(const Variable<T>& x, double s);
/// y = x * s for a constant s. Backward: gy * s.
template <typename T>
Variable<T> mul_scalar(const Variable<T>& x, double s);
/// y = s - x for a constant s. Backward: -gy.
template <typename T>
Variable<T> rsub_scalar(const Variable<T>& x, double s);
/// y = s / x for a constant s. Backward: -gy * s / x².
template <typename T>
Variable<T> rdiv_scalar(const Variable<T>& x, double s);

/// Operators: Variable (op) Variable, Variable (op) scalar, scalar (op) Variable, unary minus.
template <typename T>
Variable<T> operator+(const Variable<T>& a, const Variable<T>& b) {
  return add(a, b);
}
template <typename T>
Variable<T> operator-(const Variable<T>& a, const Variable<T>& b) {
  return sub(a, b);
}
template <typename T>
Variable<T> operator*(const Variable<T>& a, const Variable<T>& b) {
  return mul(a, b);
}
template <typename T>
Variable<T> operator/(const Variable<T>& a, const Variable<T>& b) {
  return div(a, b);
}
template <typename T>
Variable<T> operator-(const Variable<T>& x) {
  return neg(x);
}
template <typename T>
Variable<T> operator+(const Variable<T>& x, double s) {
  return add_scalar(x, s);
}
template <typename T>
Variable<T> operator+(double s, const Variable<T>& x) {
  return add_scalar(x, s);
}
template <typename T>
Variable<T> operator-(const Variable<T>& x, double s) {
  return add_scalar(x, -s);
}
template <typename T>
Variable<T> operator-(double s, const Variable<T>& x) {
  return rsub_scalar(x, s);
}
template <typename T>
Variable<T> operator*(const Variable<T>& x, double s) {
  return mul_scalar(x, s);
}
template <typename T>
Variable<T> operator*(double s, const Variable<T>& x) {
  return mul_scalar(x, s);
}
template <typename T>
Variable<T> operator/(const Variable<T>& x, double s) {
  return mul_scalar(x, 1.0 / s);
}
template <typename T>
Variable<T> operator/(double s, const Variable<T>& x) {
  return rdiv_scalar(x, s);
}

}  // namespace minidl
