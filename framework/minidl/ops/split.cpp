#include "minidl/ops/split.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "minidl/core/record.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {

std::string sizes_str(const std::vector<std::size_t>& sizes) {
  std::string s = "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? "," : "") + std::to_string(sizes[i]);
  return s + ")";
}

// A shape seen as (outer, extent, inner) around one axis: in row-major memory each of the `outer`
// blocks holds `extent` contiguous runs of `inner` elements, so a piece along the axis is one
// memcpy per block.
struct Around {
  std::size_t outer = 1, extent = 1, inner = 1;
};

Around around(const Shape& s, std::size_t axis) {
  Around a;
  for (std::size_t i = 0; i < axis; ++i) a.outer *= s[i];
  a.extent = s[axis];
  for (std::size_t i = axis + 1; i < s.size(); ++i) a.inner *= s[i];
  return a;
}

// The pieces of x along `ax` with the given extents (which sum to the axis extent); piece j gets
// shape piece_shapes[j] (the extent kept, or the axis dropped for unbind/select: same memory).
template <typename T>
std::vector<Tensor<T>> cut(const Tensor<T>& x, std::size_t ax, const std::vector<std::size_t>& extents,
                           const std::vector<std::size_t>& offsets, const std::vector<Shape>& piece_shapes) {
  const Around a = around(to_shape(x.shape()), ax);
  const std::size_t block = a.extent * a.inner;
  std::vector<Tensor<T>> pieces;
  pieces.reserve(extents.size());
  for (std::size_t j = 0; j < extents.size(); ++j) {
    Tensor<T> p = Tensor<T>::from_shape(piece_shapes[j]);
    const std::size_t run = extents[j] * a.inner;
    if (run) {
      const T* src = x.data() + offsets[j] * a.inner;
      T* dst = p.data();
      for (std::size_t o = 0; o < a.outer; ++o) std::memcpy(dst + o * run, src + o * block, run * sizeof(T));
    }
    pieces.push_back(std::move(p));
  }
  return pieces;
}

// The inverse of cut: one tensor of `shape` with each piece written at its offset along `ax`; an
// undefined piece, and any stretch no piece covers, reads as zeros.
template <typename T>
Tensor<T> join(const std::vector<Variable<T>>& pieces, std::size_t ax, const std::vector<std::size_t>& extents,
               const std::vector<std::size_t>& offsets, const Shape& shape) {
  Tensor<T> y = Tensor<T>::from_shape(shape);
  std::size_t covered = 0;
  for (std::size_t j = 0; j < pieces.size(); ++j) covered += pieces[j].defined() ? extents[j] : 0;
  const Around a = around(shape, ax);
  if (covered != a.extent) std::fill(y.begin(), y.end(), T(0));
  const std::size_t block = a.extent * a.inner;
  for (std::size_t j = 0; j < pieces.size(); ++j) {
    const std::size_t run = extents[j] * a.inner;
    if (!pieces[j].defined() || !run) continue;
    const T* src = pieces[j].data().data();
    T* dst = y.data() + offsets[j] * a.inner;
    for (std::size_t o = 0; o < a.outer; ++o) std::memcpy(dst + o * block, src + o * run, run * sizeof(T));
  }
  return y;
}

std::vector<std::size_t> offsets_of(const std::vector<std::size_t>& sizes) {
  std::vector<std::size_t> offsets(sizes.size());
  std::size_t at = 0;
  for (std::size_t j = 0; j < sizes.size(); ++j) {
    offsets[j] = at;
    at += sizes[j];
  }
  return offsets;
}

Shape without_axis(Shape s, std::size_t ax) {
  s.erase(s.begin() + static_cast<std::ptrdiff_t>(ax));
  return s;
}

// The stack kernel with holes: k pieces of `piece` shape (undefined ones read as zeros) along a new
// axis `ax`. Public stack and unbind's backward both record it, so its derivative is written once.
template <typename T>
Variable<T> stack_pieces(const std::vector<Variable<T>>& pieces, std::size_t ax, const Shape& piece) {
  Shape ys = piece;
  ys.insert(ys.begin() + static_cast<std::ptrdiff_t>(ax), pieces.size());
  const std::vector<std::size_t> ones(pieces.size(), 1);
  Tensor<T> y = join(pieces, ax, ones, offsets_of(ones), ys);
  return record<T>("stack", std::move(y), pieces,
                   [ax](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return unbind(gy, static_cast<int>(ax));
                   });
}

}  // namespace

template <typename T>
std::vector<Variable<T>> split(const Variable<T>& x, const std::vector<std::size_t>& sizes, int axis) {
  const Shape xs = x.shape();
  if (xs.empty()) throw std::invalid_argument("split: needs at least a 1-D tensor, got shape ()");
  const std::size_t ax = resolve_axis("split", axis, xs);
  std::size_t total = 0;
  for (std::size_t s : sizes) total += s;
  if (sizes.empty() || total != xs[ax]) {
    throw std::invalid_argument("split: sizes " + sizes_str(sizes) + " sum to " + std::to_string(total) + " but axis " +
                                std::to_string(ax) + " of " + shape_str(xs) + " has extent " + std::to_string(xs[ax]));
  }
  std::vector<Shape> shapes(sizes.size(), xs);
  for (std::size_t j = 0; j < sizes.size(); ++j) shapes[j][ax] = sizes[j];
  std::vector<Tensor<T>> pieces = cut(x.data(), ax, sizes, offsets_of(sizes), shapes);
  return record_multi<T>("split", std::move(pieces), {x},
                         [sizes, ax, xs](const Inputs<T>&, const std::vector<Variable<T>>&,
                                         const std::vector<Variable<T>>& gys) {
                           return make_grads<T>({split_backward(gys, sizes, static_cast<int>(ax), xs)});
                         });
}

template <typename T>
std::vector<Variable<T>> chunk(const Variable<T>& x, std::size_t chunks, int axis) {
  const Shape xs = x.shape();
  if (chunks == 0) throw std::invalid_argument("chunk: chunks must be at least 1, got 0 for " + shape_str(xs));
  if (xs.empty()) throw std::invalid_argument("chunk: needs at least a 1-D tensor, got shape ()");
  const std::size_t n = xs[resolve_axis("chunk", axis, xs)];
  const std::size_t each = std::max<std::size_t>(1, (n + chunks - 1) / chunks);
  std::vector<std::size_t> sizes;
  for (std::size_t at = 0; at < n; at += each) sizes.push_back(std::min(each, n - at));
  if (sizes.empty()) sizes.push_back(0);  // an empty axis: one empty piece
  return split(x, sizes, axis);
}

template <typename T>
Variable<T> split_backward(const std::vector<Variable<T>>& gys, const std::vector<std::size_t>& sizes, int axis,
                           const Shape& shape) {
  const std::size_t ax = resolve_axis("split_backward", axis, shape);
  if (gys.size() != sizes.size()) {
    throw std::invalid_argument("split_backward: " + std::to_string(gys.size()) + " gradients for " +
                                std::to_string(sizes.size()) + " pieces");
  }
  for (std::size_t j = 0; j < gys.size(); ++j) {
    if (!gys[j].defined()) continue;
    Shape expected = shape;
    expected[ax] = sizes[j];
    if (gys[j].shape() != expected) {
      throw std::invalid_argument("split_backward: gradient " + std::to_string(j) + " has shape " +
                                  shape_str(gys[j].shape()) + " but piece " + std::to_string(j) + " of " +
                                  shape_str(shape) + " is " + shape_str(expected));
    }
  }
  Tensor<T> y = join(gys, ax, sizes, offsets_of(sizes), shape);
  return record<T>("split_backward", std::move(y), gys,
                   [sizes, ax](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return split(gy, sizes, static_cast<int>(ax));
                   });
}

template <typename T>
std::vector<Variable<T>> unbind(const Variable<T>& x, int axis) {
  const Shape xs = x.shape();
  if (xs.empty()) throw std::invalid_argument("unbind: needs at least a 1-D tensor, got shape ()");
  const std::size_t ax = resolve_axis("unbind", axis, xs);
  const Shape piece = without_axis(xs, ax);
  const std::vector<std::size_t> ones(xs[ax], 1);
  std::vector<Tensor<T>> pieces = cut(x.data(), ax, ones, offsets_of(ones), std::vector<Shape>(xs[ax], piece));
  return record_multi<T>("unbind", std::move(pieces), {x},
                         [ax, piece](const Inputs<T>&, const std::vector<Variable<T>>&,
                                     const std::vector<Variable<T>>& gys) {
                           return make_grads<T>({stack_pieces(gys, ax, piece)});
                         });
}

template <typename T>
Variable<T> stack(const std::vector<Variable<T>>& xs, int axis) {
  if (xs.empty()) throw std::invalid_argument("stack: needs at least one tensor, got an empty list");
  const Shape piece = xs[0].shape();
  for (std::size_t j = 1; j < xs.size(); ++j) {
    if (xs[j].shape() != piece) {
      throw std::invalid_argument("stack: tensor " + std::to_string(j) + " has shape " + shape_str(xs[j].shape()) +
                                  " but tensor 0 has " + shape_str(piece) + "; all must have one shape");
    }
  }
  // The new axis may go after the last one, so resolve against rank + 1.
  Shape with_new_axis = piece;
  with_new_axis.push_back(1);
  const std::size_t ax = resolve_axis("stack", axis, with_new_axis);
  return stack_pieces(xs, ax, piece);
}

template <typename T>
Variable<T> select(const Variable<T>& x, int axis, std::size_t index) {
  const Shape xs = x.shape();
  if (xs.empty()) throw std::invalid_argument("select: needs at least a 1-D tensor, got shape ()");
  const std::size_t ax = resolve_axis("select", axis, xs);
  if (index >= xs[ax]) {
    throw std::invalid_argument("select: index " + std::to_string(index) + " is out of range for axis " +
                                std::to_string(ax) + " of " + shape_str(xs));
  }
  std::vector<Tensor<T>> y = cut(x.data(), ax, {1}, {index}, {without_axis(xs, ax)});
  return record<T>("select", std::move(y[0]), {x},
                   [ax, index, xs](const Inputs<T>&, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({select_backward(gy, static_cast<int>(ax), index, xs)});
                   });
}

template <typename T>
Variable<T> select_backward(const Variable<T>& gy, int axis, std::size_t index, const Shape& shape) {
  if (shape.empty()) throw std::invalid_argument("select_backward: needs at least a 1-D shape, got ()");
  const std::size_t ax = resolve_axis("select_backward", axis, shape);
  if (index >= shape[ax] || gy.shape() != without_axis(shape, ax)) {
    throw std::invalid_argument("select_backward: gradient " + shape_str(gy.shape()) + " does not fit index " +
                                std::to_string(index) + " of axis " + std::to_string(ax) + " of " + shape_str(shape));
  }
  Tensor<T> y = join<T>({gy}, ax, {1}, {index}, shape);
  return record<T>("select_backward", std::move(y), {gy},
                   [ax, index](const Inputs<T>&, const Variable<T>&, const Variable<T>& g) {
                     return make_grads<T>({select(g, static_cast<int>(ax), index)});
                   });
}

#define MINIDL_INSTANTIATE(T)                                                                                  \
  template std::vector<Variable<T>> split<T>(const Variable<T>&, const std::vector<std::size_t>&, int);         \
  template std::vector<Variable<T>> chunk<T>(const Variable<T>&, std::size_t, int);                             \
  template Variable<T> split_backward<T>(const std::vector<Variable<T>>&, const std::vector<std::size_t>&, int, \
                                         const Shape&);                                                         \
  template std::vector<Variable<T>> unbind<T>(const Variable<T>&, int);                                         \
  template Variable<T> stack<T>(const std::vector<Variable<T>>&, int);                                          \
  template Variable<T> select<T>(const Variable<T>&, int, std::size_t);                                         \
  template Variable<T> select_backward<T>(const Variable<T>&, int, std::size_t, const Shape&);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
