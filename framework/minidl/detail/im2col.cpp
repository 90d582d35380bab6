#include "minidl/detail/im2col.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
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
  // Integer divisions cost tens of cycles, several per (tap, image): stride 1 needs none.
  // lo: the first o with i >= 0; hi: one past the last o with i < n.
  std::ptrdiff_t lo = off >= 0 ? 0 : s == 1 ? -off : (-off + s - 1) / s;
  std::ptrdiff_t hi = len - off <= 0 ? 0 : s == 1 ? len - off : (len - off - 1) / s + 1;
  lo = std::min(lo, last);
  hi = std::max(lo, std::min(hi, last));
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(hi)};
}

// The kernels below work one output row at a time (OW elements, 24 floats for a 5x5 window on
// 28x28) with inline loops and constant-size copies, never a library call: a memcpy/memset call per
// row costs more than the copy itself. GCC vectorises these loops; the build keeps it from turning
// them back into library calls (-fno-tree-loop-distribute-patterns on this file, see the top-level
// CMakeLists.txt).

template <typename T>
inline void zero(T* __restrict d, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) d[i] = T(0);
}

// Stride-1 rows are copied in 32-byte chunks (a memcpy of constant size compiles to one vector load
// and store), the last chunk overlapping the one before instead of a scalar tail. kChunk elements.
template <typename T>
constexpr std::size_t kChunk = 32 / sizeof(T);

// d[i] = src[i] for i < count. K > 0: count needs exactly K chunks (K-1 full ones, then the last
// ending at count), unrolled at compile time: a loop over the chunks of a row whose length is known
// only at run time makes W3's im2col (three chunks a row) 1.3-1.5x slower. K = 0: any count.
template <std::size_t K, typename T>
inline void copy_span(T* __restrict d, const T* __restrict src, std::size_t count) {
  constexpr std::size_t C = kChunk<T>;
  if constexpr (K > 0) {
    for (std::size_t k = 0; k + 1 < K; ++k) std::memcpy(d + k * C, src + k * C, sizeof(T) * C);
    std::memcpy(d + count - C, src + count - C, sizeof(T) * C);
  } else {
    if (count < C) {
      for (std::size_t i = 0; i < count; ++i) d[i] = src[i];
      return;
    }
    std::size_t i = 0;
    for (; i + C <= count; i += C) std::memcpy(d + i, src + i, sizeof(T) * C);
    if (i < count) std::memcpy(d + count - C, src + count - C, sizeof(T) * C);
  }
}

// `rows` consecutive output rows of `width` entries (stride 1): in each, the first `left` and the
// last `right` entries are padding (zero) and the ones between are copied from src; the next row
// starts `src_step` further in the input. Out of line and with few live values so the compiler
// keeps everything in registers (inlined into the sweep, GCC spills the loop bounds to the
// stack). Padded = false skips the two zero loops, which cost as much as a short row's copy.
template <std::size_t K, bool Padded, typename T>
__attribute__((noinline)) void copy_rows(T* __restrict d, const T* __restrict src, std::size_t rows, std::size_t width,
                                         std::size_t src_step, std::size_t left, std::size_t right) {
  const std::size_t n = width - left - right;
  for (std::size_t r = 0; r < rows; ++r, d += width, src += src_step) {
    if constexpr (Padded) zero(d, left);
    copy_span<K>(d + left, src, n);
    if constexpr (Padded) zero(d + left + n, right);
  }
}

// copy_rows with the chunk count of the row's copied part fixed at compile time where it is small.
template <bool Padded, typename T>
void copy_rows_any(T* d, const T* src, std::size_t rows, std::size_t width, std::size_t src_step, std::size_t left,
                   std::size_t right) {
  const std::size_t n = width - left - right, chunks = n < kChunk<T> ? 0 : (n + kChunk<T> - 1) / kChunk<T>;
  switch (chunks) {
    case 1: return copy_rows<1, Padded>(d, src, rows, width, src_step, left, right);
    case 2: return copy_rows<2, Padded>(d, src, rows, width, src_step, left, right);
    case 3: return copy_rows<3, Padded>(d, src, rows, width, src_step, left, right);
    case 4: return copy_rows<4, Padded>(d, src, rows, width, src_step, left, right);
    default: return copy_rows<0, Padded>(d, src, rows, width, src_step, left, right);
  }
}

// The same for stride > 1: d[i] = src[i * stride], a gather the compiler may vectorise or not.
template <typename T>
__attribute__((noinline)) void gather_rows(T* __restrict d, const T* __restrict src, std::size_t rows,
                                           std::size_t width, std::size_t src_step, std::size_t left,
                                           std::size_t right, std::size_t stride) {
  const std::size_t n = width - left - right;
  for (std::size_t r = 0; r < rows; ++r, d += width, src += src_step) {
    zero(d, left);
    for (std::size_t i = 0; i < n; ++i) d[left + i] = src[i * stride];
    zero(d + left + n, right);
  }
}

// One image's contribution to one row r = (c,kh,kw) of col: OH*OW entries, rows oh outside
// [rows.lo, rows.hi) and columns ow outside [cols.lo, cols.hi) read padding. `xc` is channel c of
// the image, `d` the start of the (OH, OW) block of col.
template <std::size_t S, typename T>
void im2col_block(const T* xc, const ConvGeometry& g, std::size_t kh, std::size_t kw, T* d) {
  const std::size_t OW = g.OW, s = g.stride;
  const Inside rows = inside_range(kh, g.pad, s, g.H, g.OH);
  const Inside cols = inside_range(kw, g.pad, s, g.W, g.OW);
  if (cols.lo == cols.hi || rows.lo == rows.hi) {  // this tap reads only padding (narrow input, wide pad)
    zero(d, g.OH * OW);
    return;
  }
  zero(d, rows.lo * OW);  // whole output rows above the image: one contiguous run
  // First read: input row rows.lo*s + kh - pad, column cols.lo*s + kw - pad (both >= 0 here).
  const T* src = xc + (rows.lo * s + kh - g.pad) * g.W + (cols.lo * s + kw - g.pad);
  const std::size_t n_rows = rows.hi - rows.lo, left = cols.lo, right = OW - cols.hi;
  if constexpr (S != 1) {
    gather_rows(d + rows.lo * OW, src, n_rows, OW, s * g.W, left, right, s);
  } else if (left == 0 && right == 0) {
    copy_rows_any<false>(d + rows.lo * OW, src, n_rows, OW, g.W, left, right);
  } else {
    copy_rows_any<true>(d + rows.lo * OW, src, n_rows, OW, g.W, left, right);
  }
  zero(d + rows.hi * OW, (g.OH - rows.hi) * OW);  // whole output rows below the image
}

// The adjoints of copy_rows and gather_rows, without the padding: dst[i * stride] += d[i] for the
// `count` entries of each of `rows` rows (d advances by width, dst by dst_step), out of line for the
// same reason. For stride 1, K > 0 is count / kChunk full chunks fixed at compile time (each one
// vector add) followed by a scalar tail: an overlapping last chunk, as in copy_span, would add some
// entries twice. Each x element receives at most one addition per row, so vectorising along the row
// leaves the order of additions into it unchanged.
template <std::size_t K, typename T>
__attribute__((noinline)) void add_rows(T* __restrict dst, const T* __restrict d, std::size_t rows, std::size_t width,
                                        std::size_t dst_step, std::size_t count) {
  constexpr std::size_t C = kChunk<T>;
  for (std::size_t r = 0; r < rows; ++r, d += width, dst += dst_step) {
    std::size_t i = 0;
    if constexpr (K > 0) {
      for (; i < K * C; ++i) dst[i] += d[i];
    } else {
      for (; i + C <= count; i += C)
        for (std::size_t j = 0; j < C; ++j) dst[i + j] += d[i + j];
    }
    for (; i < count; ++i) dst[i] += d[i];
  }
}

// add_rows with the number of full chunks fixed at compile time where it is small.
template <typename T>
void add_rows_any(T* dst, const T* d, std::size_t rows, std::size_t width, std::size_t dst_step, std::size_t count) {
  switch (count / kChunk<T>) {
    case 1: return add_rows<1>(dst, d, rows, width, dst_step, count);
    case 2: return add_rows<2>(dst, d, rows, width, dst_step, count);
    case 3: return add_rows<3>(dst, d, rows, width, dst_step, count);
    case 4: return add_rows<4>(dst, d, rows, width, dst_step, count);
    default: return add_rows<0>(dst, d, rows, width, dst_step, count);
  }
}

// add_rows for stride > 1: dst[i * stride] += d[i].
template <typename T>
__attribute__((noinline)) void scatter_add_rows(T* __restrict dst, const T* __restrict d, std::size_t rows,
                                                std::size_t width, std::size_t dst_step, std::size_t count,
                                                std::size_t stride) {
  for (std::size_t r = 0; r < rows; ++r, d += width, dst += dst_step)
    for (std::size_t i = 0; i < count; ++i) dst[i * stride] += d[i];
}

template <std::size_t S, typename T>
void col2im_block(const T* d, const ConvGeometry& g, std::size_t kh, std::size_t kw, T* xc) {
  const std::size_t OW = g.OW, s = g.stride;
  const Inside rows = inside_range(kh, g.pad, s, g.H, g.OH);
  const Inside cols = inside_range(kw, g.pad, s, g.W, g.OW);
  if (cols.lo == cols.hi || rows.lo == rows.hi) return;  // this tap reads only padding: nothing flows back
  T* dst = xc + (rows.lo * s + kh - g.pad) * g.W + (cols.lo * s + kw - g.pad);
  const T* src = d + rows.lo * OW + cols.lo;
  if constexpr (S != 1) {
    scatter_add_rows(dst, src, rows.hi - rows.lo, OW, s * g.W, cols.hi - cols.lo, s);
  } else {
    add_rows_any(dst, src, rows.hi - rows.lo, OW, g.W, cols.hi - cols.lo);
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

// The buffer starts on a cache line: im2col's 32-byte row stores then never straddle two lines at
// the start of a row block (on a 16-byte aligned buffer W3's row copies are ~1.4x slower).
constexpr std::size_t kWorkspaceAlignment = 64;

template <typename T>
struct AlignedDelete {
  void operator()(T* p) const { ::operator delete[](p, std::align_val_t(kWorkspaceAlignment)); }
};

template <typename T>
struct Buffer {
  std::unique_ptr<T[], AlignedDelete<T>> data;
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
    b.data.reset(new (std::align_val_t(kWorkspaceAlignment)) T[std::max<std::size_t>(count, 1)]);
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
