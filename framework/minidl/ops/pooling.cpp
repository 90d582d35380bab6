#include "minidl/ops/pooling.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "minidl/core/record.hpp"
#include "minidl/ops/im2col.hpp"

namespace minidl {
namespace {

using Index = std::shared_ptr<const std::vector<std::size_t>>;

ConvGeometry check_pool(const char* op, const Shape& xs, std::size_t ph, std::size_t pw, std::size_t stride,
                        std::size_t pad) {
  if (xs.size() == 4 && ph > 0 && pw > 0 && (pad >= ph || pad >= pw)) {
    throw std::invalid_argument(std::string(op) + ": pad " + std::to_string(pad) + " must be smaller than the " +
                                std::to_string(ph) + "x" + std::to_string(pw) + " window (input (N,C,H,W)=" +
                                shape_str(xs) + ")");
  }
  return conv_geometry(op, xs, ph, pw, stride, pad);
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

// y[k] = x[idx[k]] (output shape `shape`); backward scatter_by_index.
template <typename T>
Variable<T> gather_by_index(const Variable<T>& x, const Index& idx, const Shape& shape);

// y = zeros(shape); y[idx[k]] += x[k]; backward gather_by_index. Together they route max pooling's
// gradient (and its gradient's gradient) through the argmax positions.
template <typename T>
Variable<T> scatter_by_index(const Variable<T>& x, const Index& idx, const Shape& shape) {
  Tensor<T> y = zeros_tensor<T>(shape);
  const T* px = x.data().data();
  T* py = y.data();
  const std::vector<std::size_t>& id = *idx;
  for (std::size_t k = 0; k < id.size(); ++k) py[id[k]] += px[k];
  return record<T>("max_pool2d_backward", std::move(y), {x},
                   [idx](const Inputs<T>& in, const Variable<T>&, const Variable<T>& g) {
                     return Grads<T>{gather_by_index(g, idx, in[0].shape())};
                   });
}

template <typename T>
Variable<T> gather_by_index(const Variable<T>& x, const Index& idx, const Shape& shape) {
  Tensor<T> y = Tensor<T>::from_shape(shape);
  const T* px = x.data().data();
  T* py = y.data();
  const std::vector<std::size_t>& id = *idx;
  for (std::size_t k = 0; k < id.size(); ++k) py[k] = px[id[k]];
  return record<T>("max_pool2d_gather", std::move(y), {x},
                   [idx](const Inputs<T>& in, const Variable<T>&, const Variable<T>& g) {
                     return Grads<T>{scatter_by_index(g, idx, in[0].shape())};
                   });
}

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
                     return Grads<T>{avg_pool2d(G, ph, pw, stride, pad)};
                   });
}

}  // namespace

template <typename T>
Variable<T> max_pool2d(const Variable<T>& x, std::size_t ph, std::size_t pw, std::size_t stride, std::size_t pad) {
  const Shape xs = x.shape();
  const ConvGeometry g = check_pool("max_pool2d", xs, ph, pw, stride, pad);
  const Shape ys{g.N, g.C, g.OH, g.OW};
  Tensor<T> y = Tensor<T>::from_shape(ys);
  const bool need_index = will_record<T>({x});
  std::vector<std::size_t> index(need_index ? shape_size(ys) : 0);
  const T* px = x.data().data();
  T* py = y.data();
  const std::size_t HW = g.H * g.W;
  for_each_window(g, [&](std::size_t pl, std::size_t p, std::size_t hb, std::size_t he, std::size_t wb, std::size_t we) {
    const T* plane = px + pl * HW;
    std::size_t best = hb * g.W + wb;  // pad < pool size guarantees a non-empty window
    T bv = plane[best];
    for (std::size_t h = hb; h < he; ++h) {
      for (std::size_t w = wb; w < we; ++w) {
        const T v = plane[h * g.W + w];
        // Strictly greater keeps the first maximum; a NaN takes over once and is never replaced.
        if (v > bv || (std::isnan(v) && !std::isnan(bv))) {
          bv = v;
          best = h * g.W + w;
        }
      }
    }
    py[p] = bv;
    if (need_index) index[p] = pl * HW + best;
  });
  if (!need_index) return Variable<T>(std::move(y));
  Index idx = std::make_shared<const std::vector<std::size_t>>(std::move(index));
  return record<T>("max_pool2d", std::move(y), {x},
                   [idx](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     return Grads<T>{scatter_by_index(gy, idx, in[0].shape())};
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
                     return Grads<T>{avg_pool2d_backward(gy, in[0].shape(), ph, pw, stride, pad)};
                   });
}

template Variable<float> max_pool2d<float>(const Variable<float>&, std::size_t, std::size_t, std::size_t, std::size_t);
template Variable<double> max_pool2d<double>(const Variable<double>&, std::size_t, std::size_t, std::size_t,
                                             std::size_t);
template Variable<float> avg_pool2d<float>(const Variable<float>&, std::size_t, std::size_t, std::size_t, std::size_t);
template Variable<double> avg_pool2d<double>(const Variable<double>&, std::size_t, std::size_t, std::size_t,
                                             std::size_t);

}  // namespace minidl
