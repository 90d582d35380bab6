#include "minidl/detail/im2col.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
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

// The ow range [lo, hi) whose input column iw = ow*stride + kw - pad lies inside [0, W).
inline void valid_range(const ConvGeometry& g, std::ptrdiff_t kw, std::ptrdiff_t& lo, std::ptrdiff_t& hi) {
  const std::ptrdiff_t s = static_cast<std::ptrdiff_t>(g.stride);
  const std::ptrdiff_t off = kw - static_cast<std::ptrdiff_t>(g.pad);  // iw = ow*s + off
  const std::ptrdiff_t ow_n = static_cast<std::ptrdiff_t>(g.OW);
  const std::ptrdiff_t w = static_cast<std::ptrdiff_t>(g.W);
  lo = off >= 0 ? 0 : (-off + s - 1) / s;                 // first ow with iw >= 0
  hi = w - off <= 0 ? 0 : (w - off - 1) / s + 1;          // one past the last ow with iw < W
  lo = std::min(lo, ow_n);
  hi = std::max(lo, std::min(hi, ow_n));
}

// Walks every (row of col, image row) pair and hands the kernel the matching pointers. `Body`
// gets (col row segment of OW entries, input row or nullptr if the row is padding, lo, hi, offset).
template <typename Body>
void sweep(const ConvGeometry& g, Body&& body) {
  const std::size_t P = g.OH * g.OW, NP = g.N * P, HW = g.H * g.W;
  const std::ptrdiff_t H = static_cast<std::ptrdiff_t>(g.H);
  for (std::size_t c = 0; c < g.C; ++c) {
    for (std::size_t kh = 0; kh < g.FH; ++kh) {
      for (std::size_t kw = 0; kw < g.FW; ++kw) {
        const std::size_t r = (c * g.FH + kh) * g.FW + kw;
        std::ptrdiff_t lo, hi;
        valid_range(g, static_cast<std::ptrdiff_t>(kw), lo, hi);
        const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(kw) - static_cast<std::ptrdiff_t>(g.pad);
        for (std::size_t n = 0; n < g.N; ++n) {
          const std::size_t plane = (n * g.C + c) * HW;
          for (std::size_t oh = 0; oh < g.OH; ++oh) {
            const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * g.stride + kh) - static_cast<std::ptrdiff_t>(g.pad);
            const std::size_t seg = r * NP + n * P + oh * g.OW;
            const bool inside = ih >= 0 && ih < H;
            body(seg, inside ? static_cast<std::ptrdiff_t>(plane) + ih * static_cast<std::ptrdiff_t>(g.W) : -1, lo, hi,
                 off);
          }
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void im2col(const T* x, const ConvGeometry& g, T* col) {
  const std::size_t s = g.stride, OW = g.OW;
  sweep(g, [&](std::size_t seg, std::ptrdiff_t row, std::ptrdiff_t lo, std::ptrdiff_t hi, std::ptrdiff_t off) {
    T* d = col + seg;
    if (row < 0) {
      std::fill(d, d + OW, T(0));
      return;
    }
    const T* xr = x + row;  // output column ow reads xr[ow*s + off], inside the row for lo <= ow < hi
    std::fill(d, d + lo, T(0));
    if (s == 1) {
      if (hi > lo) std::memcpy(d + lo, xr + lo + off, static_cast<std::size_t>(hi - lo) * sizeof(T));
    } else {
      const std::ptrdiff_t st = static_cast<std::ptrdiff_t>(s);
      for (std::ptrdiff_t ow = lo; ow < hi; ++ow) d[ow] = xr[ow * st + off];
    }
    std::fill(d + hi, d + OW, T(0));
  });
}

template <typename T>
void col2im(const T* col, const ConvGeometry& g, T* x) {
  const std::ptrdiff_t s = static_cast<std::ptrdiff_t>(g.stride);
  sweep(g, [&](std::size_t seg, std::ptrdiff_t row, std::ptrdiff_t lo, std::ptrdiff_t hi, std::ptrdiff_t off) {
    if (row < 0) return;  // this window row lies in the padding: nothing flows back
    const T* d = col + seg;
    T* xr = x + row;
    if (s == 1) {
      for (std::ptrdiff_t ow = lo; ow < hi; ++ow) xr[ow + off] += d[ow];
    } else {
      for (std::ptrdiff_t ow = lo; ow < hi; ++ow) xr[ow * s + off] += d[ow];
    }
  });
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
