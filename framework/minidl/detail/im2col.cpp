#include "minidl/detail/im2col.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

namespace minidl {

namespace {

// S: a Shape or a tensor's own shape type.
template <typename S>
ConvGeometry geometry_of(const char* op, const S& xs, std::size_t FH, std::size_t FW, std::size_t stride,
                         std::size_t pad) {
  if (xs.size() != 4) {
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(to_shape(xs)) + " must be 4-D (N,C,H,W)");
  }
  auto window = [&] { return std::to_string(FH) + "x" + std::to_string(FW); };
  if (FH == 0 || FW == 0) throw std::invalid_argument(std::string(op) + ": window " + window() + " must be non-empty");
  if (xs[1] == 0) {
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(to_shape(xs)) + " has no channels");
  }
  if (stride == 0) throw std::invalid_argument(std::string(op) + ": stride must be positive");
  if (xs[2] + 2 * pad < FH || xs[3] + 2 * pad < FW) {
    throw std::invalid_argument(std::string(op) + ": input (N,C,H,W)=" + shape_str(to_shape(xs)) +
                                " is smaller than the " + window() + " window with pad " + std::to_string(pad));
  }
  ConvGeometry g;
  g.N = xs[0];
  g.C = xs[1];
  g.H = xs[2];
  g.W = xs[3];
  g.FH = FH;
  g.FW = FW;
  g.stride = stride;
  g.pad = pad;
  g.OH = (g.H + 2 * pad - FH) / stride + 1;
  g.OW = (g.W + 2 * pad - FW) / stride + 1;
  return g;
}

}  // namespace

ConvGeometry conv_geometry(const char* op, const Shape& xs, std::size_t FH, std::size_t FW, std::size_t stride,
                           std::size_t pad) {
  return geometry_of(op, xs, FH, FW, stride, pad);
}

ConvGeometry conv_geometry_of(const char* op, const TensorShape& xs, std::size_t FH, std::size_t FW, std::size_t stride,
                           std::size_t pad) {
  return geometry_of(op, xs, FH, FW, stride, pad);
}

namespace {

// The output positions o in [lo, hi) whose input index o*stride + k - pad lies inside [0, n), for
// one window tap k along one axis (n = H or W, count = OH or OW). Positions outside read padding.
struct Inside {
  std::size_t lo = 0, hi = 0;
};
inline Inside inside_range(std::size_t k, std::size_t pad, std::size_t stride, std::size_t n, std::size_t count) {
  const std::ptrdiff_t s = static_cast<std::ptrdiff_t>(stride);
  const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(k) - static_cast<std::ptrdiff_t>(pad);  // i = o*s + off
  const std::ptrdiff_t last = static_cast<std::ptrdiff_t>(count);
  const std::ptrdiff_t len = static_cast<std::ptrdiff_t>(n);
  std::ptrdiff_t lo = off >= 0 ? 0 : (-off + s - 1) / s;   // first o with i >= 0
  std::ptrdiff_t hi = len - off <= 0 ? 0 : (len - off - 1) / s + 1;  // one past the last o with i < n
  lo = std::min(lo, last);
  hi = std::max(lo, std::min(hi, last));
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(hi)};
}

// The loops below are plain element loops on purpose: a segment is one output row (OW elements,
// 24 floats for a 5x5 window on 28x28), so a memcpy/memset call per segment costs more than the copy.
// GCC vectorises these loops; the build keeps it from turning them back into library calls
// (-fno-tree-loop-distribute-patterns on this file, see the top-level CMakeLists.txt).

template <typename T>
inline void zero(T* __restrict d, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) d[i] = T(0);
}

// d[i] = src[i * S] for i < count; S is the stride as a compile-time constant when it is 1, so the
// stride-1 copy is a contiguous vector loop.
template <std::size_t S, typename T>
inline void gather(T* __restrict d, const T* __restrict src, std::size_t count, std::size_t stride) {
  const std::size_t s = S != 0 ? S : stride;
  for (std::size_t i = 0; i < count; ++i) d[i] = src[i * s];
}

template <std::size_t S, typename T>
inline void scatter_add(T* __restrict dst, const T* __restrict d, std::size_t count, std::size_t stride) {
  const std::size_t s = S != 0 ? S : stride;
  for (std::size_t i = 0; i < count; ++i) dst[i * s] += d[i];
}

// One image's contribution to one row r = (c,kh,kw) of col: OH*OW entries, rows oh outside
// [rows.lo, rows.hi) and columns ow outside [cols.lo, cols.hi) read padding. `xc` is channel c of
// the image, `d` the start of the (OH, OW) block of col.
template <std::size_t S, typename T>
void im2col_block(const T* __restrict xc, const ConvGeometry& g, std::size_t kh, std::size_t kw, T* __restrict d) {
  const std::size_t OW = g.OW, s = g.stride;
  const Inside rows = inside_range(kh, g.pad, s, g.H, g.OH);
  const Inside cols = inside_range(kw, g.pad, s, g.W, g.OW);
  if (cols.lo == cols.hi) {  // this tap reads padding in every output column (narrow input, wide pad)
    zero(d, g.OH * OW);
    return;
  }
  zero(d, rows.lo * OW);  // whole output rows above the image: one contiguous run
  const std::size_t n = cols.hi - cols.lo;
  for (std::size_t oh = rows.lo; oh < rows.hi; ++oh) {
    T* dr = d + oh * OW;
    // Input row ih = oh*s + kh - pad; its first read column is cols.lo*s + kw - pad (both >= 0 here).
    const T* src = xc + (oh * s + kh - g.pad) * g.W + (cols.lo * s + kw - g.pad);
    zero(dr, cols.lo);
    gather<S>(dr + cols.lo, src, n, s);
    zero(dr + cols.hi, OW - cols.hi);
  }
  zero(d + rows.hi * OW, (g.OH - rows.hi) * OW);  // whole output rows below the image
}

template <std::size_t S, typename T>
void col2im_block(const T* __restrict d, const ConvGeometry& g, std::size_t kh, std::size_t kw, T* __restrict xc) {
  const std::size_t OW = g.OW, s = g.stride;
  const Inside rows = inside_range(kh, g.pad, s, g.H, g.OH);
  const Inside cols = inside_range(kw, g.pad, s, g.W, g.OW);
  const std::size_t n = cols.hi - cols.lo;
  if (n == 0) return;  // every column of this tap is padding: nothing flows back
  for (std::size_t oh = rows.lo; oh < rows.hi; ++oh) {
    T* dst = xc + (oh * s + kh - g.pad) * g.W + (cols.lo * s + kw - g.pad);
    scatter_add<S>(dst, d + oh * OW + cols.lo, n, s);
  }
}

// Visits the (row r = (c,kh,kw), image n) blocks in the order r, then n: col2im's additions into
// any one x element therefore come in (kh, kw) order, whatever the kernel inside does.
template <typename Block>
void for_each_block(const ConvGeometry& g, Block&& block) {
  const std::size_t P = g.OH * g.OW, NP = g.N * P, HW = g.H * g.W;
  for (std::size_t c = 0; c < g.C; ++c)
    for (std::size_t kh = 0; kh < g.FH; ++kh)
      for (std::size_t kw = 0; kw < g.FW; ++kw) {
        const std::size_t r = (c * g.FH + kh) * g.FW + kw;
        for (std::size_t n = 0; n < g.N; ++n) block((n * g.C + c) * HW, r * NP + n * P, kh, kw);
      }
}

}  // namespace

template <typename T>
void im2col(const T* x, const ConvGeometry& g, T* col) {
  if (g.stride == 1) {
    for_each_block(g, [&](std::size_t xo, std::size_t co, std::size_t kh, std::size_t kw) {
      im2col_block<1>(x + xo, g, kh, kw, col + co);
    });
  } else {
    for_each_block(g, [&](std::size_t xo, std::size_t co, std::size_t kh, std::size_t kw) {
      im2col_block<0>(x + xo, g, kh, kw, col + co);
    });
  }
}

template <typename T>
void col2im(const T* col, const ConvGeometry& g, T* x) {
  if (g.stride == 1) {
    for_each_block(g, [&](std::size_t xo, std::size_t co, std::size_t kh, std::size_t kw) {
      col2im_block<1>(col + co, g, kh, kw, x + xo);
    });
  } else {
    for_each_block(g, [&](std::size_t xo, std::size_t co, std::size_t kh, std::size_t kw) {
      col2im_block<0>(col + co, g, kh, kw, x + xo);
    });
  }
}

// ---- workspace ------------------------------------------------------------------------------------

namespace {

std::atomic<std::size_t> g_allocations{0};

template <typename T>
struct Buffer {
  std::unique_ptr<T[]> data;
  std::size_t capacity = 0;
};

template <typename T>
Buffer<T>& workspace() {
  thread_local Buffer<T> columns;
  return columns;
}

}  // namespace

template <typename T>
T* conv_workspace(std::size_t count) {
  Buffer<T>& b = workspace<T>();
  if (count > b.capacity || !b.data) {
    b.data.reset();  // free first so peak memory is not old + new
    b.data.reset(new T[std::max<std::size_t>(count, 1)]);
    b.capacity = std::max<std::size_t>(count, 1);
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  return b.data.get();
}

std::size_t conv_workspace_allocations() { return g_allocations.load(std::memory_order_relaxed); }

template <typename T>
std::size_t conv_workspace_capacity() {
  return workspace<T>().capacity;
}

void release_conv_workspace() {
  workspace<float>() = Buffer<float>{};
  workspace<double>() = Buffer<double>{};
}

template void im2col<float>(const float*, const ConvGeometry&, float*);
template void im2col<double>(const double*, const ConvGeometry&, double*);
template void col2im<float>(const float*, const ConvGeometry&, float*);
template void col2im<double>(const double*, const ConvGeometry&, double*);
template float* conv_workspace<float>(std::size_t);
template double* conv_workspace<double>(std::size_t);
template std::size_t conv_workspace_capacity<float>();
template std::size_t conv_workspace_capacity<double>();

}  // namespace minidl
