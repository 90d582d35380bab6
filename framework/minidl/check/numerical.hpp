#pragma once
// Numerical differentiation, as in chapter 4 of the book: the slow, obviously-correct way to get a
// gradient, used to teach gradients and to check backprop (see gradcheck.hpp for the rigorous check).
//
// Header-only templates so any callable works without std::function overhead; includes stay light.

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "minidl/core/tensor.hpp"

namespace minidl {
namespace detail {

// A function value as double: arithmetic results directly, Variables (or anything with item()) via
// item(), so a loss Variable can be differentiated numerically too.
template <typename R>
double numerical_value(const R& r) {
  if constexpr (std::is_arithmetic_v<R>) {
    return static_cast<double>(r);
  } else {
    return static_cast<double>(r.item());
  }
}

// Calls f(x) when f takes the tensor, f() when it reads the tensor some other way (the book's
// `lambda W: net.loss(x, t)` ignores its argument and reads the weights it closes over).
template <typename F, typename T>
double numerical_call(F& f, const Tensor<T>& x) {
  if constexpr (std::is_invocable_v<F&, const Tensor<T>&>) {
    return numerical_value(f(x));
  } else {
    static_assert(std::is_invocable_v<F&>, "numerical_gradient: f must be callable as f(const Tensor<T>&) or f()");
    return numerical_value(f());
  }
}

}  // namespace detail

/// Central difference of a scalar function: f'(x) ≈ (f(x + h) - f(x - h)) / (2h).
/// Error O(h²); the book's h = 1e-4 balances that against float64 round-off in f(x±h).
/// Example: f(x) = 0.01x² + 0.1x gives 0.2 at x = 5 and 0.3 at x = 10.
template <typename F>
double numerical_diff(F&& f, double x, double h = 1e-4) {
  return (static_cast<double>(f(x + h)) - static_cast<double>(f(x - h))) / (2 * h);
}

/// Gradient of a scalar function of a tensor by central differences, one element at a time:
///   grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h),   grad has x's shape.
/// x is perturbed in place (no tensor is allocated per probe) and each element is restored to its
/// exact original value afterwards. f is `R f(const Tensor<T>&)` or `R f()` (reading x through a
/// reference it holds), where R is arithmetic or has item() (a scalar Variable). Cost: 2·x.size()
/// calls of f.
template <typename T, typename F>
Tensor<T> numerical_gradient(F&& f, Tensor<T>& x, double h = 1e-4) {
  Tensor<T> grad = Tensor<T>::from_shape(x.shape());
  T* px = x.data();
  T* pg = grad.data();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const T original = px[i];
    px[i] = static_cast<T>(original + h);
    const double f_plus = detail::numerical_call(f, x);
    px[i] = static_cast<T>(original - h);
    const double f_minus = detail::numerical_call(f, x);
    px[i] = original;
    pg[i] = static_cast<T>((f_plus - f_minus) / (2 * h));
  }
  return grad;
}

/// Plain gradient descent with numerical gradients (the book's gradient_descent):
///   repeat steps times:  x <- x - lr · numerical_gradient(f, x)
/// Returns the final x (init_x is not modified). If `path` is given it receives x before each step
/// (steps entries, the first being init_x), for plotting the trajectory.
/// Example: f = x0² + x1² from (-3, 4): lr 0.1, 100 steps -> ~(0, 0); lr 10 diverges; lr 1e-10 barely moves.
template <typename T, typename F>
Tensor<T> gradient_descent(F&& f, const Tensor<T>& init_x, double lr = 0.01, std::size_t steps = 100,
                           std::vector<Tensor<T>>* path = nullptr) {
  Tensor<T> x = init_x;
  if (path) path->reserve(path->size() + steps);
  for (std::size_t s = 0; s < steps; ++s) {
    if (path) path->push_back(x);
    const Tensor<T> g = numerical_gradient(f, x, 1e-4);
    T* px = x.data();
    const T* pg = g.data();
    for (std::size_t i = 0; i < x.size(); ++i) px[i] = static_cast<T>(px[i] - lr * pg[i]);
  }
  return x;
}

}  // namespace minidl
