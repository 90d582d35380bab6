#include "minidl/ops/pooling.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "minidl/detail/buffer_pool.hpp"
#include "minidl/detail/parallel.hpp"
#include "minidl/core/record.hpp"
#include "minidl/detail/small_object_pool.hpp"
#include "minidl/detail/im2col.hpp"
#include "minidl/detail/max_pool_2x2_avx512.hpp"
#include "minidl/detail/max_pool_index.hpp"

namespace minidl {
namespace {


// S: a Shape or a tensor's own shape type (read in place).
template <typename S>
ConvGeometry check_pool(const char* op, const S& xs, std::size_t ph, std::size_t pw, std::size_t stride,
                        std::size_t pad) {
  if (xs.size() == 4 && ph > 0 && pw > 0 && (pad >= ph || pad >= pw)) {
    throw std::invalid_argument(std::string(op) + ": pad " + std::to_string(pad) + " must be smaller than the " +
                                std::to_string(ph) + "x" + std::to_string(pw) + " window (input (N,C,H,W)=" +
                                shape_str(to_shape(xs)) + ")");
  }
  return conv_geometry_of(op, xs, ph, pw, stride, pad);
}

// Calls body(plane, p, h, w) for every in-bounds input position (h,w) of output p's window in every
// (n,c) plane, in row-major window order. `start(p)` callers get through the loop bodies below.
template <typename Visit>
void for_each_window(const ConvGeometry& g, Visit&& visit) {
  const std::ptrdiff_t H = static_cast<std::ptrdiff_t>(g.H), W = static_cast<std::ptrdiff_t>(g.W);
  const std::ptrdiff_t pad = static_cast<std::ptrdiff_t>(g.pad);
  const std::size_t planes = g.N * g.C;
  for (std::size_t pl = 0; pl < planes; ++pl) {
    for (std::size_t oh = 0; oh < g.OH; ++oh) {
      const std::ptrdiff_t h0 = static_cast<std::ptrdiff_t>(oh * g.stride) - pad;
      const std::ptrdiff_t hb = std::max<std::ptrdiff_t>(h0, 0);
      const std::ptrdiff_t he = std::min<std::ptrdiff_t>(h0 + static_cast<std::ptrdiff_t>(g.FH), H);
      for (std::size_t ow = 0; ow < g.OW; ++ow) {
        const std::ptrdiff_t w0 = static_cast<std::ptrdiff_t>(ow * g.stride) - pad;
        const std::ptrdiff_t wb = std::max<std::ptrdiff_t>(w0, 0);
        const std::ptrdiff_t we = std::min<std::ptrdiff_t>(w0 + static_cast<std::ptrdiff_t>(g.FW), W);
        visit(pl, (pl * g.OH + oh) * g.OW + ow, static_cast<std::size_t>(hb), static_cast<std::size_t>(he),
              static_cast<std::size_t>(wb), static_cast<std::size_t>(we));
      }
    }
  }
}

// Max and first argmax of one window, NaN-aware: strictly greater keeps the first maximum; a NaN
// takes over once and is never replaced. The slow path, used only for windows that hold a NaN or
// are clipped by padding.
template <typename T>
inline void window_max_exact(const T* plane, std::size_t W, std::size_t hb, std::size_t he, std::size_t wb,
                             std::size_t we, T& out, std::size_t& arg) {
  std::size_t best = hb * W + wb;  // pad < pool size guarantees a non-empty window
  T bv = plane[best];
  for (std::size_t h = hb; h < he; ++h) {
    for (std::size_t w = wb; w < we; ++w) {
      const T v = plane[h * W + w];
      if (v > bv || (std::isnan(v) && !std::isnan(bv))) {
        bv = v;
        best = h * W + w;
      }
    }
  }
  out = bv;
  arg = best;
}

// The book's pooling (2x2 windows, stride 2, no padding), one output row at a time: straight loops
// of selects that the compiler vectorises (the forward is otherwise a branch misprediction per
// element). The pointers are restrict-qualified, or GCC keeps the loop scalar; the counter is a
// size_t, or GCC cannot prove 2*ow does not wrap and loads the strided inputs one at a time. Returns false when the row holds a NaN, and the caller redoes it exactly.
template <typename T>
inline bool max_pool_row_2x2(const T* __restrict r0, std::size_t W, std::size_t OW, std::uint32_t row_offset,
                             T* __restrict y, std::uint32_t* __restrict index) {
  const T* __restrict r1 = r0 + W;
  const auto w = static_cast<std::uint32_t>(W);
  unsigned nan = 0;
  if (!index) {
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
      T m = a;
      m = b > m ? b : m;
      m = c > m ? c : m;
      m = d > m ? d : m;
      nan |= unsigned(a != a) | unsigned(b != b) | unsigned(c != c) | unsigned(d != d);
      y[ow] = m;
    }
    return nan == 0;
  }
  for (std::size_t ow = 0; ow < OW; ++ow) {
    const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
    T m = a;
    m = b > m ? b : m;
    m = c > m ? c : m;
    m = d > m ? d : m;
    // Without NaNs, "strictly greater wins" (window_max_exact's rule) keeps the first element whose
    // value is the maximum, and no earlier element compares equal to it (0 and -0 included: an
    // earlier equal one would have been kept instead). So the first element equal to m is the one
    // taken, found by selects that vectorise.
    const std::uint32_t off = a == m ? 0u : b == m ? 1u : c == m ? w : w + 1u;
    nan |= unsigned(a != a) | unsigned(b != b) | unsigned(c != c) | unsigned(d != d);
    y[ow] = m;
    index[ow] = row_offset + 2 * static_cast<std::uint32_t>(ow) + off;
  }
  return nan == 0;
}

// The book's pooling over a block of whole output rows of a plane whose width is exactly 2*OW, in
// two flat passes that vectorise without a scalar tail. Row by row, an output row of OW=12 (the
// book's 24x24 planes) leaves a third of each row to scalar code with a branch per element (10x
// slower on a Zen 5 core). Flat, the plane is one run of horizontal pairs (x[2p], x[2p+1]) that
// never straddle rows:
//   pass 1: hm[p] = the pair's max, hs[p] = 1 when it is the right one;
//   pass 2: for every hm row j, the max of hm[j] and the row below, hm[j+OW].
// Pass 2 also combines the odd rows with the even ones below them, which no window covers: twice
// the work of its useful half, but flat. Ties keep the left element, then the top one, which is
// row-major order: the first element equal to the maximum, as window_max_exact takes it. `nan`
// gets 1 if any input read is NaN.
template <typename T, std::size_t kPairs>
void max_pool_rows_2x2_flat(const T* __restrict x, std::size_t rows, std::size_t OW, std::uint32_t in_offset,
                            T* __restrict y, std::uint32_t* __restrict index, unsigned& nan) {
  alignas(64) T hm[kPairs];
  alignas(64) std::uint32_t hs[kPairs];
  alignas(64) T vm[kPairs];
  alignas(64) std::uint32_t vi[kPairs];
  const std::size_t pairs = 2 * rows * OW, down_n = pairs - OW;
  unsigned seen = 0;
  for (std::size_t p = 0; p < pairs; ++p) {
    const T l = x[2 * p], r = x[2 * p + 1];
    const bool right = r > l;
    hm[p] = right ? r : l;
    hs[p] = right;
    seen |= unsigned(l != l) | unsigned(r != r);
  }
  nan |= seen;
  if (index) {
    const auto below = static_cast<std::uint32_t>(2 * OW);  // input positions from one row to the next
    for (std::size_t j = 0; j < down_n; ++j) {
      const T t = hm[j], b = hm[j + OW];
      const std::uint32_t top_at = in_offset + 2 * static_cast<std::uint32_t>(j);
      const bool down = b > t;
      vm[j] = down ? b : t;
      vi[j] = down ? top_at + below + hs[j + OW] : top_at + hs[j];
    }
  } else {
    for (std::size_t j = 0; j < down_n; ++j) {
      const T t = hm[j], b = hm[j + OW];
      vm[j] = b > t ? b : t;
    }
  }
  // The even hm rows are the window rows. Copy loops, not memcpy: a library call per 12-float row
  // cost a fifth of the plane.
  for (std::size_t k = 0; k < rows; ++k) {
    const T* __restrict from = vm + 2 * k * OW;
    T* __restrict to = y + k * OW;
    for (std::size_t i = 0; i < OW; ++i) to[i] = from[i];
    if (index) {
      const std::uint32_t* __restrict from_index = vi + 2 * k * OW;
      std::uint32_t* __restrict to_index = index + k * OW;
      for (std::size_t i = 0; i < OW; ++i) to_index[i] = from_index[i];
    }
  }
}

// A whole plane of the book's pooling: flat blocks of rows where the width is 2*OW (at most 512
// outputs wide), else row by row. False when an input holds a NaN (the caller then redoes the plane
// row by row, exactly where needed). Out of line: inlined into the plane loop of max_pool_planes,
// GCC vectorised the row loop about 2.5x worse.
template <typename T>
[[gnu::noinline]] bool max_pool_plane_2x2(const T* plane, std::size_t W, std::size_t OH, std::size_t OW, T* y,
                                          std::uint32_t* index) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) return detail::avx512::max_pool_plane_2x2(plane, W, OH, OW, y, index);
#endif
  constexpr std::size_t kPairs = 1024;  // hm/vm blocks on the stack: 16 KiB in all for float
  if (OW > 0 && W == 2 * OW && 2 * OW <= kPairs) {
    const std::size_t rows_per_block = kPairs / (2 * OW);
    unsigned nan = 0;
    for (std::size_t oh = 0; oh < OH; oh += rows_per_block) {
      const std::size_t rows = std::min(rows_per_block, OH - oh);
      max_pool_rows_2x2_flat<T, kPairs>(plane + 2 * oh * W, rows, OW, static_cast<std::uint32_t>(2 * oh * W),
                                        y + oh * OW, index ? index + oh * OW : nullptr, nan);
    }
    return nan == 0;
  }
  bool clean = true;
  for (std::size_t oh = 0; oh < OH; ++oh) {
    clean &= max_pool_row_2x2(plane + 2 * oh * W, W, OW, static_cast<std::uint32_t>(2 * oh * W), y + oh * OW,
                              index ? index + oh * OW : nullptr);
  }
  return clean;
}

// How many chunks to cut `planes` planes of `plane_size` elements into: work on fewer than ~64K
// elements is not worth waking another thread for (detail/parallel.hpp).
inline std::size_t plane_chunks(std::size_t planes, std::size_t plane_size) {
  constexpr std::size_t kMinChunkElements = 1u << 15, kMaxChunks = 8;
  const std::size_t by_size = planes * plane_size / kMinChunkElements;
  return std::max<std::size_t>(1, std::min({planes, by_size, kMaxChunks}));
}

}  // namespace

namespace detail {

// y = max over each window, index = flat x position of each maximum (nullptr: not wanted).
// Windows that lie wholly inside the input take a branch-free select per element (data-dependent
// branches mispredict about half the time on real activations) and only fall back to the exact
// NaN-aware loop when a NaN is seen, so the result is always what window_max_exact gives.
template <typename T>
void max_pool_planes(const T* x, const ConvGeometry& g, T* y, std::uint32_t* index) {
  const std::size_t HW = g.H * g.W, OHW = g.OH * g.OW;
  const std::size_t planes = g.N * g.C;
  const std::ptrdiff_t pad = static_cast<std::ptrdiff_t>(g.pad);
  const bool book_window = g.FH == 2 && g.FW == 2 && g.stride == 2 && g.pad == 0;
  const std::size_t chunks = plane_chunks(planes, HW);
  detail::parallel_chunks(chunks, [&](std::size_t c) {
    for (std::size_t pl = detail::chunk_begin(planes, chunks, c); pl < detail::chunk_begin(planes, chunks, c + 1); ++pl) {
      const T* plane = x + pl * HW;
      T* yp = y + pl * OHW;
      std::uint32_t* ip = index ? index + pl * OHW : nullptr;
      if (book_window && max_pool_plane_2x2(plane, g.W, g.OH, g.OW, yp, ip)) continue;
      for (std::size_t oh = 0; oh < g.OH; ++oh) {
        if (book_window && max_pool_row_2x2(plane + 2 * oh * g.W, g.W, g.OW, static_cast<std::uint32_t>(2 * oh * g.W),
                                            yp + oh * g.OW, ip ? ip + oh * g.OW : nullptr)) {
          continue;
        }
        const std::ptrdiff_t h0 = static_cast<std::ptrdiff_t>(oh * g.stride) - pad;
        const std::size_t hb = static_cast<std::size_t>(std::max<std::ptrdiff_t>(h0, 0));
        const std::size_t he = static_cast<std::size_t>(
            std::min<std::ptrdiff_t>(h0 + static_cast<std::ptrdiff_t>(g.FH), static_cast<std::ptrdiff_t>(g.H)));
        const bool rows_inside = he - hb == g.FH;
        for (std::size_t ow = 0; ow < g.OW; ++ow) {
          const std::ptrdiff_t w0 = static_cast<std::ptrdiff_t>(ow * g.stride) - pad;
          const std::size_t wb = static_cast<std::size_t>(std::max<std::ptrdiff_t>(w0, 0));
          const std::size_t we = static_cast<std::size_t>(
              std::min<std::ptrdiff_t>(w0 + static_cast<std::ptrdiff_t>(g.FW), static_cast<std::ptrdiff_t>(g.W)));
          T bv;
          std::size_t best;
          bool exact = !rows_inside || we - wb != g.FW;
          if (!exact) {
            const std::size_t start = hb * g.W + wb;
            best = start;
            bv = plane[start];
            bool nan = bv != bv;
            for (std::size_t fh = 0; fh < g.FH; ++fh) {
              const std::size_t row = start + fh * g.W;
              for (std::size_t fw = 0; fw < g.FW; ++fw) {
                const T v = plane[row + fw];
                const bool greater = v > bv;
                bv = greater ? v : bv;
                best = greater ? row + fw : best;
                nan |= v != v;
              }
            }
            exact = nan;
          }
          if (exact) window_max_exact(plane, g.W, hb, he, wb, we, bv, best);
          yp[oh * g.OW + ow] = bv;
          if (ip) ip[oh * g.OW + ow] = static_cast<std::uint32_t>(best);
        }
      }
    }
  });
}

ConvGeometry max_pool_geometry(const char* op, const TensorShape& xs, std::size_t pool_h, std::size_t pool_w,
                               std::size_t stride, std::size_t pad) {
  const ConvGeometry g = check_pool(op, xs, pool_h, pool_w, stride, pad);
  if (g.H * g.W > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument(std::string(op) + ": input planes of " + std::to_string(g.H) + "x" +
                                std::to_string(g.W) + " exceed the 2^32 positions the argmax index holds (input " +
                                "(N,C,H,W)=" + shape_str(to_shape(xs)) + ")");
  }
  return g;
}

std::shared_ptr<ArgmaxIndex> make_argmax_index(const ConvGeometry& g) {
  auto index = std::allocate_shared<ArgmaxIndex>(SmallObjectAllocator<ArgmaxIndex>());
  index->offset = PooledArray<std::uint32_t>(g.N * g.C * g.OH * g.OW);
  index->out_plane = g.OH * g.OW;
  index->in_plane = g.H * g.W;
  index->disjoint = g.stride >= g.FH && g.stride >= g.FW;
  index->tiled_2x2 = g.OH > 0 && g.OW > 0 && g.FH == 2 && g.FW == 2 && g.stride == 2 && g.pad == 0 &&
                     g.H == 2 * g.OH && g.W == 2 * g.OW;
  index->out_width = g.OW;
  return index;
}

template <typename T>
void scatter_planes(const T* x, const ArgmaxIndex& idx, std::size_t first, std::size_t count, T* y) {
  const std::uint32_t* off = idx.offset.data();
  const std::size_t outs = idx.out_plane, ins = idx.in_plane;
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    if (idx.tiled_2x2) {
      const std::size_t OW = idx.out_width, OH = outs / OW;
      for (std::size_t i = 0; i < count; ++i)
        avx512::scatter_plane_2x2(x + (first + i) * outs, off + (first + i) * outs, OH, OW, y + i * ins);
      return;
    }
  }
#endif
  for (std::size_t i = 0; i < count; ++i) {
    T* plane = y + i * ins;
    std::fill(plane, plane + ins, T(0));
    const std::size_t begin = (first + i) * outs, end = begin + outs;
    if (idx.has_cuts) {
      for (std::size_t k = begin; k < end; ++k)
        if (off[k] != ArgmaxIndex::kNoInput) plane[off[k]] += x[k];
    } else if (idx.disjoint) {
      // Each position takes at most one gradient: a store, with the sum's value (0 + -0 is +0),
      // and no load that waits on the fill's stores.
      for (std::size_t k = begin; k < end; ++k) plane[off[k]] = T(0) + x[k];
    } else {
      for (std::size_t k = begin; k < end; ++k) plane[off[k]] += x[k];
    }
  }
}

template <typename T>
Variable<T> scatter_by_index(const Variable<T>& x, const ArgmaxIndexPtr& idx, const TensorShape& shape) {
  const std::size_t outs = idx->out_plane, ins = idx->in_plane;
  const std::size_t planes = outs ? idx->offset.size() / outs : 0, chunks = plane_chunks(planes, ins);
  // Without windows there is nothing to scatter and no plane loop to zero the result.
  Tensor<T> y = Tensor<T>::from_shape(shape);
  if (!planes) y.fill(T(0));
  // Planes are independent: each chunk takes whole planes, and each plane is zeroed just before it
  // is scattered into, so it is still in cache (one pass over the result, not a separate memset of
  // all of it first) and the zeroing is split across threads too.
  parallel_chunks(chunks, [&](std::size_t c) {
    const std::size_t first = chunk_begin(planes, chunks, c), end = chunk_begin(planes, chunks, c + 1);
    scatter_planes(x.data().data(), *idx, first, end - first, y.data() + first * ins);
  });
  return record<T>("max_pool2d_backward", std::move(y), {x},
                   [idx](const Inputs<T>& in, const Variable<T>&, const Variable<T>& g) {
                     return make_grads<T>({gather_by_index(g, idx, in[0].data().shape())});
                   });
}

template <typename T>
Variable<T> gather_by_index(const Variable<T>& x, const ArgmaxIndexPtr& idx, const TensorShape& shape) {
  Tensor<T> y = Tensor<T>::from_shape(shape);
  const T* px = x.data().data();
  T* py = y.data();
  const std::uint32_t* off = idx->offset.data();
  const std::size_t outs = idx->out_plane, ins = idx->in_plane;
  // Planes are independent: each chunk takes whole planes.
  const std::size_t planes = outs ? idx->offset.size() / outs : 0, chunks = plane_chunks(planes, ins);
  detail::parallel_chunks(chunks, [&](std::size_t c) {
    for (std::size_t pl = detail::chunk_begin(planes, chunks, c); pl < detail::chunk_begin(planes, chunks, c + 1); ++pl) {
      const std::size_t base = pl * ins;
      if (idx->has_cuts) {
        for (std::size_t k = pl * outs, end = k + outs; k < end; ++k)
          py[k] = off[k] == ArgmaxIndex::kNoInput ? T(0) : px[base + off[k]];
      } else {
        for (std::size_t k = pl * outs, end = k + outs; k < end; ++k) py[k] = px[base + off[k]];
      }
    }
  });
  return record<T>("max_pool2d_gather", std::move(y), {x},
                   [idx](const Inputs<T>& in, const Variable<T>&, const Variable<T>& g) {
                     return make_grads<T>({scatter_by_index(g, idx, in[0].data().shape())});
                   });
}

#define MINIDL_MAX_POOL_INDEX_INSTANTIATE(T)                                                              \
  template void max_pool_planes<T>(const T*, const ConvGeometry&, T*, std::uint32_t*);                      \
  template void scatter_planes<T>(const T*, const ArgmaxIndex&, std::size_t, std::size_t, T*);               \
  template Variable<T> scatter_by_index<T>(const Variable<T>&, const ArgmaxIndexPtr&, const TensorShape&);   \
  template Variable<T> gather_by_index<T>(const Variable<T>&, const ArgmaxIndexPtr&, const TensorShape&);

MINIDL_MAX_POOL_INDEX_INSTANTIATE(float)
MINIDL_MAX_POOL_INDEX_INSTANTIATE(double)
#undef MINIDL_MAX_POOL_INDEX_INSTANTIATE

}  // namespace detail

namespace {

// The adjoint of avg_pool2d: spreads gy / (FH*FW) over every in-bounds cell of each window.
template <typename T>
Variable<T> avg_pool2d_backward(const Variable<T>& gy, const Shape& x_shape, std::size_t ph, std::size_t pw,
                                std::size_t stride, std::size_t pad) {
  const ConvGeometry g = check_pool("avg_pool2d_backward", x_shape, ph, pw, stride, pad);
  Tensor<T> gx = zeros_tensor<T>(x_shape);
  const T scale = T(1) / static_cast<T>(ph * pw);
  const T* pg = gy.data().data();
  T* px = gx.data();
  const std::size_t HW = g.H * g.W;
  for_each_window(g, [&](std::size_t pl, std::size_t p, std::size_t hb, std::size_t he, std::size_t wb, std::size_t we) {
    const T v = pg[p] * scale;
    T* plane = px + pl * HW;
    for (std::size_t h = hb; h < he; ++h)
      for (std::size_t w = wb; w < we; ++w) plane[h * g.W + w] += v;
  });
  return record<T>("avg_pool2d_backward", std::move(gx), {gy},
                   [ph, pw, stride, pad](const Inputs<T>&, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({avg_pool2d(G, ph, pw, stride, pad)});
                   });
}

}  // namespace

template <typename T>
Variable<T> max_pool2d(const Variable<T>& x, std::size_t ph, std::size_t pw, std::size_t stride, std::size_t pad) {
  const ConvGeometry g = detail::max_pool_geometry("max_pool2d", x.data().shape(), ph, pw, stride, pad);
  Tensor<T> y = Tensor<T>::from_shape({g.N, g.C, g.OH, g.OW});
  const bool need_index = will_record<T>({x});
  if (!need_index) {
    detail::max_pool_planes(x.data().data(), g, y.data(), nullptr);
    return Variable<T>(std::move(y));
  }
  // Pooled like tensor buffers, so the per-step index costs no system allocation either.
  std::shared_ptr<detail::ArgmaxIndex> index = detail::make_argmax_index(g);
  detail::max_pool_planes(x.data().data(), g, y.data(), index->offset.data());
  detail::ArgmaxIndexPtr idx = std::move(index);
  return record<T>("max_pool2d", std::move(y), {x},
                   [idx](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({detail::scatter_by_index(gy, idx, in[0].data().shape())});
                   });
}

template <typename T>
Variable<T> avg_pool2d(const Variable<T>& x, std::size_t ph, std::size_t pw, std::size_t stride, std::size_t pad) {
  const Shape xs = x.shape();
  const ConvGeometry g = check_pool("avg_pool2d", xs, ph, pw, stride, pad);
  Tensor<T> y = Tensor<T>::from_shape({g.N, g.C, g.OH, g.OW});
  const T scale = T(1) / static_cast<T>(ph * pw);
  const T* px = x.data().data();
  T* py = y.data();
  const std::size_t HW = g.H * g.W;
  for_each_window(g, [&](std::size_t pl, std::size_t p, std::size_t hb, std::size_t he, std::size_t wb, std::size_t we) {
    const T* plane = px + pl * HW;
    T acc = 0;
    for (std::size_t h = hb; h < he; ++h)
      for (std::size_t w = wb; w < we; ++w) acc += plane[h * g.W + w];
    py[p] = acc * scale;
  });
  return record<T>("avg_pool2d", std::move(y), {x},
                   [ph, pw, stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     return make_grads<T>({avg_pool2d_backward(gy, in[0].shape(), ph, pw, stride, pad)});
                   });
}

template Variable<float> max_pool2d<float>(const Variable<float>&, std::size_t, std::size_t, std::size_t, std::size_t);
template Variable<double> max_pool2d<double>(const Variable<double>&, std::size_t, std::size_t, std::size_t,
                                             std::size_t);
template Variable<float> avg_pool2d<float>(const Variable<float>&, std::size_t, std::size_t, std::size_t, std::size_t);
template Variable<double> avg_pool2d<double>(const Variable<double>&, std::size_t, std::size_t, std::size_t,
                                             std::size_t);

}  // namespace minidl
