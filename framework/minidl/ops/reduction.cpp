#include "minidl/ops/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include <xsimd/xsimd.hpp>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xreducer.hpp>

#include "minidl/core/record.hpp"

namespace minidl {
namespace {

// How a reduction walks x. When the reduced axes (ignoring extent-1 axes) form one block, x is a
// row-major (outer, red, inner) array and every output is out[o, i] = reduce_r x[o, r, i]: the
// raw-loop kernels below handle that. Other axis sets fall back to xtensor.
struct Plan {
  Shape x_shape;     // input shape
  Shape keep_shape;  // output shape with reduced axes kept as 1
  Shape out_shape;   // output shape as returned (keep_shape, or with the reduced axes dropped)
  std::vector<std::size_t> axes;  // reduced axes, normalised and sorted
  std::size_t count = 1;          // elements reduced into each output
  bool block = false;             // the (outer, red, inner) view applies
  std::size_t outer = 1, red = 1, inner = 1;
};

std::string axes_str(const std::vector<int>& axes) {
  std::string s = "(";
  for (std::size_t i = 0; i < axes.size(); ++i) s += (i ? "," : "") + std::to_string(axes[i]);
  return s + ")";
}

Plan make_plan(const char* op, const Shape& xs, const std::vector<int>& axes, bool keepdims) {
  const long nd = static_cast<long>(xs.size());
  std::vector<bool> reduced(xs.size(), false);
  Plan p;
  p.x_shape = xs;
  for (int a : axes) {
    const long n = a < 0 ? a + nd : a;
    if (n < 0 || n >= nd) {
      throw std::invalid_argument(std::string(op) + ": axis " + std::to_string(a) + " out of range for shape " +
                                  shape_str(xs));
    }
    if (reduced[n]) {
      throw std::invalid_argument(std::string(op) + ": axis " + std::to_string(a) + " repeated in axes " +
                                  axes_str(axes) + " for shape " + shape_str(xs));
    }
    reduced[n] = true;
  }
  std::size_t first = xs.size(), last = 0;  // first and last reduced axis of extent != 1
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (reduced[i]) {
      p.axes.push_back(i);
      p.count *= xs[i];
      p.keep_shape.push_back(1);
      if (keepdims) p.out_shape.push_back(1);
    } else {
      p.keep_shape.push_back(xs[i]);
      p.out_shape.push_back(xs[i]);
    }
    if (reduced[i] && xs[i] != 1) {
      first = std::min(first, i);
      last = i;
    }
  }
  p.block = true;
  if (first == xs.size()) {  // nothing of extent > 1 is reduced: each output is one element
    p.outer = shape_size(xs);
    return p;
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i < first) {
      p.outer *= xs[i];
    } else if (i > last) {
      p.inner *= xs[i];
    } else {
      p.red *= xs[i];
      if (!reduced[i] && xs[i] != 1) p.block = false;  // a kept axis inside the reduced run
    }
  }
  return p;
}

// Σ of n contiguous values with explicit SIMD: the compiler will not vectorize a float
// accumulation by itself without -ffast-math (it may not reorder the additions), and a scalar loop
// was ~15x slower. Four independent accumulators hide the add latency; per-block partial sums are
// added in double so a float sum over a whole dataset keeps its accuracy.
template <typename T>
T sum_contiguous(const T* p, std::size_t n) {
  using B = xsimd::batch<T>;
  constexpr std::size_t W = B::size;
  constexpr std::size_t kBlock = 4096;
  double total = 0;
  std::size_t i = 0;
  while (i < n) {
    const std::size_t end = std::min(n, i + kBlock);
    B a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
    for (; i + 4 * W <= end; i += 4 * W) {
      a0 += B::load_unaligned(p + i);
      a1 += B::load_unaligned(p + i + W);
      a2 += B::load_unaligned(p + i + 2 * W);
      a3 += B::load_unaligned(p + i + 3 * W);
    }
    T block = xsimd::hadd((a0 + a1) + (a2 + a3));
    for (; i < end; ++i) block += p[i];
    total += static_cast<double>(block);
  }
  return static_cast<T>(total);
}

// Position of the first maximum (Max) or minimum (!Max) of n >= 1 contiguous values, or of the
// first NaN if there is one. The extreme value is found with SIMD, then its first occurrence by a
// scalar scan that stops early; a NaN anywhere sends the whole row to the plain scalar loop.
template <bool Max, typename T>
std::size_t arg_extreme_contiguous(const T* p, std::size_t n) {
  using B = xsimd::batch<T>;
  constexpr std::size_t W = B::size;
  T m = p[0];
  std::size_t i = 0;
  if (n >= W) {
    B acc = B::load_unaligned(p);
    auto nan = xsimd::isnan(acc);
    for (i = W; i + W <= n; i += W) {
      const B v = B::load_unaligned(p + i);
      acc = Max ? xsimd::max(acc, v) : xsimd::min(acc, v);
      nan = nan || xsimd::isnan(v);
    }
    if (xsimd::any(nan)) {
      for (std::size_t k = 0; k < n; ++k) {
        if (std::isnan(p[k])) return k;
      }
    }
    alignas(64) T lanes[W];  // xsimd 8 has no horizontal max/min
    acc.store_aligned(lanes);
    m = lanes[0];
    for (std::size_t k = 1; k < W; ++k) m = Max ? std::max(m, lanes[k]) : std::min(m, lanes[k]);
  }
  for (; i < n; ++i) {
    if (std::isnan(p[i])) return i;
    if (Max ? p[i] > m : p[i] < m) m = p[i];
  }
  std::size_t k = 0;
  while (p[k] != m) ++k;
  return k;
}

// The sum over the plan's axes, shaped as the plan's output.
template <typename T>
Tensor<T> reduce_sum(const Tensor<T>& x, const Plan& p) {
  if (!p.block) {
    Tensor<T> y = xt::sum(x, p.axes, xt::evaluation_strategy::immediate);
    y.reshape(p.out_shape);
    return y;
  }
  Tensor<T> y = Tensor<T>::from_shape(p.out_shape);
  const T* src = x.data();
  T* dst = y.data();
  for (std::size_t o = 0; o < p.outer; ++o) {
    const T* base = src + o * p.red * p.inner;
    if (p.inner == 1) {
      dst[o] = sum_contiguous(base, p.red);
      continue;
    }
    // Column sums, e.g. (N,D) over axis 0: add whole rows so the inner loop is contiguous.
    T* out = dst + o * p.inner;
    std::fill(out, out + p.inner, T(0));
    for (std::size_t r = 0; r < p.red; ++r) {
      const T* row = base + r * p.inner;
      for (std::size_t i = 0; i < p.inner; ++i) out[i] += row[i];
    }
  }
  return y;
}

template <typename T>
Variable<T> sum_impl(const char* op, const Variable<T>& x, const Plan& p, double scale);

// The gradient of sum/mean as a recorded op: every x element receives its output's gradient times
// `scale`. Its adjoint is the reduction itself, so its backward is sum_impl over the same plan.
template <typename T>
Variable<T> spread(const Variable<T>& gy, const Plan& p, double scale) {
  const T s = static_cast<T>(scale);
  Tensor<T> g;
  if (!p.block) {
    Tensor<T> k = gy.data();
    k.reshape(p.keep_shape);
    g = xt::broadcast(k, p.x_shape);
    if (s != T(1)) g *= s;
  } else {
    g = Tensor<T>::from_shape(p.x_shape);
    const T* src = gy.data().data();
    T* dst = g.data();
    for (std::size_t o = 0; o < p.outer; ++o) {
      T* base = dst + o * p.red * p.inner;
      for (std::size_t r = 0; r < p.red; ++r) {
        T* row = base + r * p.inner;
        const T* from = src + o * p.inner;
        for (std::size_t i = 0; i < p.inner; ++i) row[i] = from[i] * s;
      }
    }
  }
  return record<T>(scale == 1.0 ? "sum_backward" : "mean_backward", std::move(g), {gy},
                   [p, scale](const Inputs<T>&, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({sum_impl(scale == 1.0 ? "sum" : "mean", G, p, scale)});
                   });
}

std::vector<int> all_axes(std::size_t ndim) {
  std::vector<int> axes(ndim);
  for (std::size_t i = 0; i < ndim; ++i) axes[i] = static_cast<int>(i);
  return axes;
}

template <typename T>
Variable<T> sum_impl(const char* op, const Variable<T>& x, const Plan& p, double scale) {
  Tensor<T> y = reduce_sum(x.data(), p);
  if (scale != 1.0) y *= static_cast<T>(scale);
  return record<T>(op, std::move(y), {x}, [p, scale](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({spread(gy, p, scale)});
  });
}

using Winners = std::shared_ptr<const std::vector<std::size_t>>;

template <typename T>
Variable<T> gather_winners(const Variable<T>& x, const Winners& w, const Shape& out_shape);

// The gradient of max/min as a recorded op: zeros of x's shape with gy at the winners' flat
// positions. Its adjoint (and so its backward) is gather_winners, and the other way round.
template <typename T>
Variable<T> scatter_winners(const Variable<T>& gy, const Winners& w, const Shape& x_shape) {
  Tensor<T> g = zeros_tensor<T>(x_shape);
  const T* src = gy.data().data();
  for (std::size_t k = 0; k < w->size(); ++k) g.data()[(*w)[k]] = src[k];
  return record<T>("extreme_backward", std::move(g), {gy},
                   [w](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({gather_winners(G, w, in[0].shape())});
                   });
}

// y[k] = x[w[k]], shaped as the max/min output.
template <typename T>
Variable<T> gather_winners(const Variable<T>& x, const Winners& w, const Shape& out_shape) {
  Tensor<T> y = Tensor<T>::from_shape(out_shape);
  const T* src = x.data().data();
  for (std::size_t k = 0; k < w->size(); ++k) y.data()[k] = src[(*w)[k]];
  return record<T>("extreme_backward_gather", std::move(y), {x},
                   [w](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({scatter_winners(G, w, in[0].shape())});
                   });
}

// max (Max = true) or min (Max = false) along one axis, with the first extreme element
// winning ties. A NaN beats any number and the first NaN stays, so NaNs propagate.
template <bool Max, typename T>
Variable<T> extreme(const char* op, const Variable<T>& x, int axis, bool keepdims) {
  const Shape xs = x.shape();
  const Plan p = make_plan(op, xs, {axis}, keepdims);
  const std::size_t a = p.axes[0];
  if (xs[a] == 0) {
    throw std::invalid_argument(std::string(op) + ": cannot reduce axis " + std::to_string(axis) +
                                " of extent 0 in shape " + shape_str(xs));
  }
  // One axis is always a block; recompute it without the extent-1 shortcut so red = xs[a].
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < a; ++i) outer *= xs[i];
  for (std::size_t i = a + 1; i < xs.size(); ++i) inner *= xs[i];
  const std::size_t red = xs[a];

  Tensor<T> y = Tensor<T>::from_shape(p.out_shape);
  std::vector<std::size_t> arg(outer * inner, 0);  // winning r for each output
  const T* src = x.data().data();
  T* best = y.data();
  auto wins = [](T v, T b) { return (Max ? v > b : v < b) || (std::isnan(v) && !std::isnan(b)); };
  for (std::size_t o = 0; o < outer && inner == 1; ++o) {  // along the last axis: SIMD per row
    const T* row = src + o * red;
    arg[o] = arg_extreme_contiguous<Max>(row, red);
    best[o] = row[arg[o]];
  }
  for (std::size_t o = 0; o < outer && inner > 1; ++o) {  // across rows: compare whole rows
    const T* base = src + o * red * inner;
    T* out = best + o * inner;
    std::size_t* idx = arg.data() + o * inner;
    std::copy(base, base + inner, out);
    for (std::size_t r = 1; r < red; ++r) {
      const T* row = base + r * inner;
      for (std::size_t i = 0; i < inner; ++i) {
        if (wins(row[i], out[i])) {
          out[i] = row[i];
          idx[i] = r;
        }
      }
    }
  }
  if (!will_record<T>({x})) return Variable<T>(std::move(y));

  // Flat positions in x of the winners, in output order: the gradient goes only there.
  auto winners = std::make_shared<std::vector<std::size_t>>(arg.size());
  for (std::size_t o = 0; o < outer; ++o) {
    for (std::size_t i = 0; i < inner; ++i) (*winners)[o * inner + i] = (o * red + arg[o * inner + i]) * inner + i;
  }
  return record<T>(op, std::move(y), {x}, [p, winners](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
    return make_grads<T>({scatter_winners(gy, winners, p.x_shape)});
  });
}

}  // namespace

template <typename T>
Variable<T> sum(const Variable<T>& x) {
  return sum_impl("sum", x, make_plan("sum", x.shape(), all_axes(x.ndim()), false), 1.0);
}

template <typename T>
Variable<T> sum(const Variable<T>& x, const std::vector<int>& axes, bool keepdims) {
  return sum_impl("sum", x, make_plan("sum", x.shape(), axes, keepdims), 1.0);
}

template <typename T>
Variable<T> mean(const Variable<T>& x) {
  const Plan p = make_plan("mean", x.shape(), all_axes(x.ndim()), false);
  return sum_impl("mean", x, p, 1.0 / static_cast<double>(p.count));
}

template <typename T>
Variable<T> mean(const Variable<T>& x, const std::vector<int>& axes, bool keepdims) {
  const Plan p = make_plan("mean", x.shape(), axes, keepdims);
  return sum_impl("mean", x, p, 1.0 / static_cast<double>(p.count));
}

template <typename T>
Variable<T> max(const Variable<T>& x, int axis, bool keepdims) {
  return extreme<true>("max", x, axis, keepdims);
}

template <typename T>
Variable<T> min(const Variable<T>& x, int axis, bool keepdims) {
  return extreme<false>("min", x, axis, keepdims);
}

#define MINIDL_INSTANTIATE(T)                                                   \
  template Variable<T> sum<T>(const Variable<T>&);                              \
  template Variable<T> sum<T>(const Variable<T>&, const std::vector<int>&, bool); \
  template Variable<T> mean<T>(const Variable<T>&);                             \
  template Variable<T> mean<T>(const Variable<T>&, const std::vector<int>&, bool); \
  template Variable<T> max<T>(const Variable<T>&, int, bool);                   \
  template Variable<T> min<T>(const Variable<T>&, int, bool);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
