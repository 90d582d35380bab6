#include "minidl/ops/shape.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>

#include "minidl/core/broadcast.hpp"
#include "minidl/core/record.hpp"
#include "minidl/detail/parallel.hpp"

namespace minidl {
namespace {

std::string extents_str(const std::vector<std::ptrdiff_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + ")";
}

// A tensor viewed as (outer, extent, inner) around one axis: in row-major memory each of the
// `outer` blocks holds `extent` contiguous runs of `inner` elements. Slices, pads and concats are
// then one memcpy per block.
struct AxisSplit {
  std::size_t outer = 1, extent = 1, inner = 1;
};

AxisSplit split_at(const Shape& s, std::size_t axis) {
  AxisSplit a;
  for (std::size_t i = 0; i < axis; ++i) a.outer *= s[i];
  a.extent = s[axis];
  for (std::size_t i = axis + 1; i < s.size(); ++i) a.inner *= s[i];
  return a;
}

// Copies x into a fresh tensor of `shape` (same size): the one allocation a reshape makes.
// S: a Shape or a tensor's own shape type.
template <typename T, typename S>
Tensor<T> copy_as(const Tensor<T>& x, const S& shape) {
  Tensor<T> y = Tensor<T>::from_shape(shape);
  // A large copy is split over minidl's threads: one core's memcpy does not use the memory
  // bandwidth two cores get (SimpleConvNet's flatten copies 1.7 MB each way every step).
  const T* px = x.data();
  T* py = y.data();
  detail::parallel_range(x.size(), detail::kMinParallelElements, [px, py](std::size_t begin, std::size_t end) {
    if (end > begin) std::memcpy(py + begin, px + begin, (end - begin) * sizeof(T));
  });
  return y;
}

template <typename T>
Tensor<T> transpose_2d(const Tensor<T>& x, std::size_t m, std::size_t n) {
  Tensor<T> y = Tensor<T>::from_shape({n, m});
  const T* px = x.data();
  T* py = y.data();
  // Tiled so both the reads and the writes stay within a few cache lines per tile.
  constexpr std::size_t kTile = 32;
  for (std::size_t i0 = 0; i0 < m; i0 += kTile) {
    const std::size_t i1 = std::min(m, i0 + kTile);
    for (std::size_t j0 = 0; j0 < n; j0 += kTile) {
      const std::size_t j1 = std::min(n, j0 + kTile);
      for (std::size_t i = i0; i < i1; ++i) {
        for (std::size_t j = j0; j < j1; ++j) py[j * m + i] = px[i * n + j];
      }
    }
  }
  return y;
}

// A: the axes, a std::vector or a TensorShape. Index arrays are TensorShapes: no heap up to 4 axes.
template <typename T, typename A>
Tensor<T> permute_tensor(const Tensor<T>& x, const A& axes) {
  const auto& xs = x.shape();
  const std::size_t nd = xs.size();
  TensorShape ys(nd), xstride(nd, 1), src_stride(nd);
  for (std::size_t d = nd; d-- > 1;) xstride[d - 1] = xstride[d] * xs[d];
  for (std::size_t k = 0; k < nd; ++k) {
    ys[k] = xs[axes[k]];
    src_stride[k] = xstride[axes[k]];
  }
  Tensor<T> y = Tensor<T>::from_shape(ys);
  if (y.size() == 0) return y;
  if (nd == 0) {
    *y.data() = *x.data();
    return y;
  }
  const T* px = x.data();
  T* py = y.data();
  // Odometer over all output axes but the last; the last is a strided inner loop.
  TensorShape idx(nd, 0);
  const std::size_t last = ys[nd - 1], last_stride = src_stride[nd - 1];
  std::size_t src = 0;
  for (std::size_t out = 0; out < y.size(); out += last) {
    for (std::size_t j = 0; j < last; ++j) py[out + j] = px[src + j * last_stride];
    for (std::size_t d = nd - 1; d-- > 0;) {
      src += src_stride[d];
      if (++idx[d] < ys[d]) break;
      src -= src_stride[d] * ys[d];
      idx[d] = 0;
    }
  }
  return y;
}

void check_rows(const char* op, const Shape& xs) {
  if (xs.empty()) throw std::invalid_argument(std::string(op) + ": needs at least a 1-D tensor, got shape ()");
}

}  // namespace

std::size_t resolve_axis(const char* op, int axis, const Shape& shape) {
  const long nd = static_cast<long>(shape.size());
  const long a = axis < 0 ? axis + nd : axis;
  if (a < 0 || a >= nd) {
    throw std::invalid_argument(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for shape " +
                                shape_str(shape));
  }
  return static_cast<std::size_t>(a);
}

std::size_t resolve_axis_of(const char* op, int axis, const TensorShape& shape) {
  const long nd = static_cast<long>(shape.size());
  const long a = axis < 0 ? axis + nd : axis;
  if (a < 0 || a >= nd) return resolve_axis(op, axis, to_shape(shape));  // throws with the usual message
  return static_cast<std::size_t>(a);
}

// ---- reshape / flatten --------------------------------------------------------------------------

namespace {

// reshape for any shape container S. The backward reshapes back to its input's own shape, so the
// closure captures nothing (a captured Shape would be two heap allocations per op).
template <typename T, typename S>
Variable<T> reshape_impl(const Variable<T>& x, const S& shape) {
  if (equal_extents(x.data().shape(), shape)) return x;
  std::size_t size = 1;
  for (std::size_t e : shape) size *= e;
  if (size != x.size()) {
    throw std::invalid_argument("reshape: cannot reshape " + shape_str(x.shape()) + " to " +
                                shape_str(to_shape(shape)));
  }
  return record<T>("reshape", copy_as(x.data(), shape), {x},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({reshape_impl(gy, in[0].data().shape())});
                   });
}

}  // namespace

template <typename T>
Variable<T> reshape(const Variable<T>& x, const Shape& shape) {
  return reshape_impl(x, shape);
}

template <typename T>
Variable<T> reshape(const Variable<T>& x, const std::vector<std::ptrdiff_t>& shape) {
  const Shape xs = x.shape();
  auto fail = [&](const std::string& why) {
    return std::invalid_argument("reshape: cannot reshape " + shape_str(xs) + " to " + extents_str(shape) + why);
  };
  Shape out(shape.size());
  std::size_t known = 1, free_axis = shape.size();
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (free_axis != shape.size()) throw fail(" (only one extent may be -1)");
      free_axis = i;
    } else if (shape[i] < 0) {
      throw fail(" (negative extent)");
    } else {
      out[i] = static_cast<std::size_t>(shape[i]);
      known *= out[i];
    }
  }
  if (free_axis != shape.size()) {
    if (known == 0 || x.size() % known != 0) throw fail("");
    out[free_axis] = x.size() / known;
  }
  if (shape_size(out) != x.size()) throw fail("");
  return reshape(x, out);
}

template <typename T>
Variable<T> flatten(const Variable<T>& x, int start_axis) {
  const auto& xs = x.data().shape();
  if (xs.empty()) throw std::invalid_argument("flatten: cannot flatten a 0-d tensor, shape ()");
  const std::size_t s = resolve_axis_of("flatten", start_axis, xs);
  TensorShape out(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(s));  // no heap up to 4 axes
  out.push_back(std::accumulate(xs.begin() + static_cast<std::ptrdiff_t>(s), xs.end(), std::size_t(1),
                                std::multiplies<std::size_t>()));
  return reshape_impl(x, out);
}

// ---- transpose / permute ------------------------------------------------------------------------

template <typename T>
Variable<T> transpose(const Variable<T>& x) {
  const Shape xs = x.shape();
  if (xs.size() != 2) {
    throw std::invalid_argument("transpose: needs a 2-D tensor, got " + shape_str(xs) + " (use permute for n-d)");
  }
  return record<T>("transpose", transpose_2d(x.data(), xs[0], xs[1]), {x},
                   [](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({transpose(gy)});
                   });
}

namespace {

// permute for axes in a std::vector (the public form) or a TensorShape (the backward's inverse,
// which then needs no heap allocation, nor does its closure).
template <typename T, typename A>
Variable<T> permute_impl(const Variable<T>& x, const A& axes) {
  const auto& xs = x.data().shape();
  bool ok = axes.size() == xs.size();
  TensorShape seen(ok ? axes.size() : 0, 0);
  for (std::size_t i = 0; ok && i < axes.size(); ++i) {
    ok = axes[i] < axes.size() && !seen[axes[i]];
    if (ok) seen[axes[i]] = 1;
  }
  if (!ok) {
    std::string a = "(";
    for (std::size_t i = 0; i < axes.size(); ++i) a += (i ? "," : "") + std::to_string(axes[i]);
    throw std::invalid_argument("permute: axes " + a + ") are not a permutation of the axes of " +
                                shape_str(x.shape()));
  }
  TensorShape inverse(axes.size());
  for (std::size_t k = 0; k < axes.size(); ++k) inverse[axes[k]] = k;
  Tensor<T> y =
      xs.size() == 2 && axes[0] == 1 ? transpose_2d(x.data(), xs[0], xs[1]) : permute_tensor(x.data(), axes);
  return record<T>("permute", std::move(y), {x},
                   [inverse](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({permute_impl(gy, inverse)});
                   });
}

}  // namespace

template <typename T>
Variable<T> permute(const Variable<T>& x, const std::vector<std::size_t>& axes) {
  return permute_impl(x, axes);
}

// ---- gather_rows / scatter_add_rows -------------------------------------------------------------

template <typename T>
Variable<T> gather_rows(const Variable<T>& x, const std::vector<std::size_t>& indices) {
  const Shape xs = x.shape();
  check_rows("gather_rows", xs);
  const std::size_t rows = xs[0], row = rows ? x.size() / rows : 0;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= rows) {
      throw std::invalid_argument("gather_rows: index " + std::to_string(indices[k]) + " (position " +
                                  std::to_string(k) + ") is out of range for extent " + std::to_string(rows) +
                                  " of x " + shape_str(xs));
    }
  }
  Shape ys = xs;
  ys[0] = indices.size();
  Tensor<T> y = Tensor<T>::from_shape(ys);
  const T* px = x.data().data();
  T* py = y.data();
  for (std::size_t k = 0; k < indices.size(); ++k) std::memcpy(py + k * row, px + indices[k] * row, row * sizeof(T));
  return record<T>("gather_rows", std::move(y), {x},
                   [indices, rows](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({scatter_add_rows(gy, indices, rows)});
                   });
}

template <typename T>
Variable<T> scatter_add_rows(const Variable<T>& x, const std::vector<std::size_t>& indices, std::size_t rows) {
  const Shape xs = x.shape();
  check_rows("scatter_add_rows", xs);
  if (xs[0] != indices.size()) {
    throw std::invalid_argument("scatter_add_rows: x " + shape_str(xs) + " has " + std::to_string(xs[0]) +
                                " rows but " + std::to_string(indices.size()) + " indices were given");
  }
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= rows) {
      throw std::invalid_argument("scatter_add_rows: index " + std::to_string(indices[k]) + " (position " +
                                  std::to_string(k) + ") is out of range for extent " + std::to_string(rows));
    }
  }
  Shape ys = xs;
  ys[0] = rows;
  Tensor<T> y = Tensor<T>::from_shape(ys);
  std::fill(y.begin(), y.end(), T(0));
  const std::size_t row = shape_size(ys) / std::max<std::size_t>(rows, 1);
  const T* px = x.data().data();
  T* py = y.data();
  for (std::size_t k = 0; k < indices.size(); ++k) {
    T* dst = py + indices[k] * row;
    const T* src = px + k * row;
    for (std::size_t j = 0; j < row; ++j) dst[j] += src[j];
  }
  return record<T>("scatter_add_rows", std::move(y), {x},
                   [indices](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({gather_rows(gy, indices)});
                   });
}

// ---- slice / pad_axis / concat ------------------------------------------------------------------

template <typename T>
Variable<T> slice(const Variable<T>& x, int axis, std::size_t start, std::size_t stop) {
  const Shape xs = x.shape();
  const std::size_t ax = resolve_axis("slice", axis, xs);
  const AxisSplit s = split_at(xs, ax);
  if (start > stop || stop > s.extent) {
    throw std::invalid_argument("slice: range [" + std::to_string(start) + ", " + std::to_string(stop) +
                                ") does not fit extent " + std::to_string(s.extent) + " of axis " + std::to_string(ax) +
                                " of " + shape_str(xs));
  }
  if (start == 0 && stop == s.extent) return x;
  Shape ys = xs;
  ys[ax] = stop - start;
  Tensor<T> y = Tensor<T>::from_shape(ys);
  const std::size_t run = (stop - start) * s.inner, block = s.extent * s.inner;
  const T* px = x.data().data() + start * s.inner;
  T* py = y.data();
  if (run) {
    for (std::size_t o = 0; o < s.outer; ++o) std::memcpy(py + o * run, px + o * block, run * sizeof(T));
  }
  const std::size_t after = s.extent - stop;
  return record<T>("slice", std::move(y), {x},
                   [ax, start, after](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({pad_axis(gy, static_cast<int>(ax), start, after)});
                   });
}

template <typename T>
Variable<T> pad_axis(const Variable<T>& x, int axis, std::size_t before, std::size_t after) {
  const Shape xs = x.shape();
  const std::size_t ax = resolve_axis("pad_axis", axis, xs);
  if (before == 0 && after == 0) return x;
  const AxisSplit s = split_at(xs, ax);
  Shape ys = xs;
  ys[ax] = before + s.extent + after;
  Tensor<T> y = Tensor<T>::from_shape(ys);
  const std::size_t run = s.extent * s.inner, head = before * s.inner, tail = after * s.inner;
  const std::size_t block = head + run + tail;
  const T* px = x.data().data();
  T* py = y.data();
  // Write each output element once: zeros before, the input run, zeros after.
  for (std::size_t o = 0; o < s.outer; ++o) {
    T* dst = py + o * block;
    std::fill(dst, dst + head, T(0));
    if (run) std::memcpy(dst + head, px + o * run, run * sizeof(T));
    std::fill(dst + head + run, dst + block, T(0));
  }
  const std::size_t n = s.extent;
  return record<T>("pad_axis", std::move(y), {x},
                   [ax, before, n](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({slice(gy, static_cast<int>(ax), before, before + n)});
                   });
}

template <typename T>
Variable<T> concat(const std::vector<Variable<T>>& xs, int axis) {
  if (xs.empty()) throw std::invalid_argument("concat: needs at least one tensor, got an empty list");
  const Shape first = xs[0].shape();
  const std::size_t ax = resolve_axis("concat", axis, first);
  Shape ys = first;
  ys[ax] = 0;
  std::vector<std::size_t> offsets;  // start of each input along the axis
  for (const auto& x : xs) {
    const Shape s = x.shape();
    bool same = s.size() == first.size();
    for (std::size_t i = 0; same && i < s.size(); ++i) same = i == ax || s[i] == first[i];
    if (!same) {
      throw std::invalid_argument("concat: shapes " + shape_str(first) + " and " + shape_str(s) +
                                  " differ outside axis " + std::to_string(ax));
    }
    offsets.push_back(ys[ax]);
    ys[ax] += s[ax];
  }
  Tensor<T> y = Tensor<T>::from_shape(ys);
  const AxisSplit out = split_at(ys, ax);
  const std::size_t block = out.extent * out.inner;
  T* py = y.data();
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const std::size_t run = xs[k].shape()[ax] * out.inner;
    if (!run) continue;
    const T* px = xs[k].data().data();
    T* dst = py + offsets[k] * out.inner;
    for (std::size_t o = 0; o < out.outer; ++o) std::memcpy(dst + o * block, px + o * run, run * sizeof(T));
  }
  return record<T>("concat", std::move(y), xs,
                   [ax, offsets](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     Grads<T> g = make_grads<T>(in.size());
                     for (std::size_t k = 0; k < in.size(); ++k) {
                       if (!in[k].requires_grad()) continue;
                       g[k] = slice(gy, static_cast<int>(ax), offsets[k], offsets[k] + in[k].shape()[ax]);
                     }
                     return g;
                   });
}

#define MINIDL_INSTANTIATE(T)                                                                                 \
  template Variable<T> reshape<T>(const Variable<T>&, const Shape&);                                          \
  template Variable<T> reshape<T>(const Variable<T>&, const std::vector<std::ptrdiff_t>&);                    \
  template Variable<T> flatten<T>(const Variable<T>&, int);                                                   \
  template Variable<T> transpose<T>(const Variable<T>&);                                                      \
  template Variable<T> permute<T>(const Variable<T>&, const std::vector<std::size_t>&);                       \
  template Variable<T> gather_rows<T>(const Variable<T>&, const std::vector<std::size_t>&);                   \
  template Variable<T> scatter_add_rows<T>(const Variable<T>&, const std::vector<std::size_t>&, std::size_t); \
  template Variable<T> slice<T>(const Variable<T>&, int, std::size_t, std::size_t);                           \
  template Variable<T> pad_axis<T>(const Variable<T>&, int, std::size_t, std::size_t);                        \
  template Variable<T> concat<T>(const std::vector<Variable<T>>&, int);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
