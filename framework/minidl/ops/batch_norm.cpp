#include "minidl/ops/batch_norm.hpp"

#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "minidl/core/record.hpp"
#include "minidl/ops/arithmetic.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/elementwise.hpp"
#include "minidl/ops/reduction.hpp"
#include "minidl/ops/shape.hpp"

namespace minidl {
namespace {

// x viewed as (N, C, S): S = H·W (1 for (N,C)); channel c of item n is the contiguous block
// x[(n·C + c)·S, +S).
struct Layout {
  std::size_t N = 0, C = 0, S = 1;
  std::size_t per_channel() const { return N * S; }
};

template <typename T>
Layout check_shapes(const char* op, const Variable<T>& x, const Variable<T>& gamma, const Variable<T>& beta) {
  const Shape xs = x.shape();
  if (xs.size() < 2) {
    throw std::invalid_argument(std::string(op) + ": x must be (N,C) or (N,C,H,W), got " + shape_str(xs));
  }
  Layout l;
  l.N = xs[0];
  l.C = xs[1];
  for (std::size_t i = 2; i < xs.size(); ++i) l.S *= xs[i];
  const Shape want{l.C};
  if (gamma.shape() != want || beta.shape() != want) {
    throw std::invalid_argument(std::string(op) + ": x " + shape_str(xs) + " has " + std::to_string(l.C) +
                                " channels, so gamma and beta must be " + shape_str(want) + ", got gamma " +
                                shape_str(gamma.shape()) + " and beta " + shape_str(beta.shape()));
  }
  return l;
}

// Axes every statistic reduces over: all but the channel axis 1.
std::vector<int> stat_axes(std::size_t ndim) {
  std::vector<int> axes{0};
  for (std::size_t i = 2; i < ndim; ++i) axes.push_back(static_cast<int>(i));
  return axes;
}

// (C) -> (C,1,...,1) so a per-channel vector broadcasts against x (ndim - 1 axes: (C) for (N,C)).
template <typename T>
Variable<T> per_channel(const Variable<T>& v, std::size_t ndim) {
  Shape s(ndim - 1, 1);
  s[0] = v.shape()[0];
  return reshape(v, s);
}
template <typename T>
Tensor<T> per_channel(const Tensor<T>& v, std::size_t ndim) {
  Shape s(ndim - 1, 1);
  s[0] = v.shape()[0];
  Tensor<T> out = Tensor<T>::from_shape(s);
  std::copy(v.data(), v.data() + v.size(), out.data());
  return out;
}

// What the backward ops need from the forward.
template <typename T>
struct Cache {
  Tensor<T> xhat;           // x̂, x's shape
  std::vector<double> istd; // 1/√(σ²+eps), (C)
};
template <typename T>
using CachePtr = std::shared_ptr<const Cache<T>>;

// x̂ and 1/√(σ²+eps) (kept as (1,C,1,...)) recomputed from x with Variable ops: what the second
// derivatives need as differentiable functions of x (the forward's cache is only their value).
template <typename T>
std::pair<Variable<T>, Variable<T>> normalize(const Variable<T>& x, double eps) {
  const std::vector<int> axes = stat_axes(x.ndim());
  const Variable<T> xc = x - mean(x, axes, true);
  const Variable<T> istd = rdiv_scalar(sqrt(add_scalar(mean(xc * xc, axes, true), eps)), 1.0);
  return {xc * istd, istd};
}

// Per channel: Σ gy and Σ gy·x̂, in double, in one pass over gy.
template <typename T>
void channel_sums(const T* pgy, const T* ph, const Layout& l, std::vector<double>& sg, std::vector<double>& sgx) {
  sg.assign(l.C, 0.0);
  sgx.assign(l.C, 0.0);
  for (std::size_t n = 0; n < l.N; ++n) {
    for (std::size_t c = 0; c < l.C; ++c) {
      const std::size_t off = (n * l.C + c) * l.S;
      double a = 0, b = 0;
      for (std::size_t s = 0; s < l.S; ++s) {
        a += pgy[off + s];
        b += pgy[off + s] * ph[off + s];
      }
      sg[c] += a;
      sgx[c] += b;
    }
  }
}

template <typename T>
Tensor<T> channel_tensor(const std::vector<double>& v) {
  Tensor<T> t = Tensor<T>::from_shape({v.size()});
  for (std::size_t c = 0; c < v.size(); ++c) t.data()[c] = static_cast<T>(v[c]);
  return t;
}

// The gradient of batch_norm with respect to x, as a recorded op with inputs {gy, x, gamma}:
//   gx = γ·s·(gy − mean(gy) − x̂·mean(gy·x̂)),  s = 1/√(σ²+eps), means per channel.
// Writing B(v) for this op with γ = 1, its backward is
//   d/dgy = the same op on G (the map gy -> gx is self-adjoint)
//   d/dγ  = Σ G·B(gy)
//   d/dx  = −γ·s·(x̂·mean(G·B(gy)) + mean(gy·x̂)·B(G) + B(gy)·mean(G·x̂))
template <typename T>
Variable<T> batch_norm_backward(const Variable<T>& gy, const Variable<T>& x, const Variable<T>& gamma,
                                const CachePtr<T>& cache, const Layout& l, double eps,
                                const std::vector<double>* sums_g = nullptr,
                                const std::vector<double>* sums_gx = nullptr) {
  const T* pgy = gy.data().data();
  const T* ph = cache->xhat.data();
  const T* pg = gamma.data().data();
  std::vector<double> sg, sgx;
  if (!sums_g) {
    channel_sums(pgy, ph, l, sg, sgx);
    sums_g = &sg;
    sums_gx = &sgx;
  }
  const double M = static_cast<double>(l.per_channel());
  Tensor<T> gx = Tensor<T>::from_shape(x.data().shape());
  T* pgx = gx.data();
  for (std::size_t n = 0; n < l.N; ++n) {
    for (std::size_t c = 0; c < l.C; ++c) {
      const std::size_t off = (n * l.C + c) * l.S;
      const T k = static_cast<T>(pg[c] * cache->istd[c]);
      const T mg = static_cast<T>((*sums_g)[c] / M), mgx = static_cast<T>((*sums_gx)[c] / M);
      for (std::size_t s = 0; s < l.S; ++s) pgx[off + s] = k * (pgy[off + s] - mg - ph[off + s] * mgx);
    }
  }
  return record<T>("batch_norm_backward", std::move(gx), {gy, x, gamma},
                   [cache, l, eps](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     const Variable<T>& gy = in[0];
                     const Variable<T>& x = in[1];
                     const std::size_t nd = x.ndim();
                     const std::vector<int> axes = stat_axes(nd);
                     const Variable<T> unit(full_tensor<T>({l.C}, T(1)));
                     Grads<T> g = make_grads<T>(3);
                     if (gy.requires_grad()) g[0] = batch_norm_backward(G, x, in[2], cache, l, eps);
                     if (!x.requires_grad() && !in[2].requires_grad()) return g;
                     const Variable<T> b_gy = batch_norm_backward(gy, x, unit, cache, l, eps);
                     if (in[2].requires_grad()) g[2] = sum(G * b_gy, axes);
                     if (x.requires_grad()) {
                       const auto [xhat, istd] = normalize(x, eps);
                       const Variable<T> b_g = batch_norm_backward(G, x, unit, cache, l, eps);
                       const Variable<T> inner = xhat * mean(G * b_gy, axes, true) +
                                                 mean(gy * xhat, axes, true) * b_g + b_gy * mean(G * xhat, axes, true);
                       g[1] = neg(per_channel(in[2], nd) * istd * inner);
                     }
                     return g;
                   });
}

// Σ gy·x̂ per channel (the gradient of γ) as a recorded op with inputs {gy, x}. Backward:
// d/dgy = G·x̂, d/dx = G·B(gy) (B as above: ∂x̂/∂x contracted with gy).
template <typename T>
Variable<T> batch_norm_backward_gamma(Tensor<T> value, const Variable<T>& gy, const Variable<T>& x,
                                      const CachePtr<T>& cache, const Layout& l, double eps) {
  return record<T>("batch_norm_backward_gamma", std::move(value), {gy, x},
                   [cache, l, eps](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     const std::size_t nd = in[1].ndim();
                     const Variable<T> Gc = per_channel(G, nd);
                     Grads<T> g = make_grads<T>(2);
                     if (in[0].requires_grad()) g[0] = Gc * normalize(in[1], eps).first;
                     if (in[1].requires_grad()) {
                       const Variable<T> unit(full_tensor<T>({l.C}, T(1)));
                       g[1] = Gc * batch_norm_backward(in[0], in[1], unit, cache, l, eps);
                     }
                     return g;
                   });
}

// Σ gy per channel (the gradient of β) as a recorded op; its backward spreads G over each channel.
template <typename T>
Variable<T> batch_norm_backward_beta(Tensor<T> value, const Variable<T>& gy) {
  return record<T>("batch_norm_backward_beta", std::move(value), {gy},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     return make_grads<T>({broadcast_to(per_channel(G, in[0].ndim()), in[0].shape())});
                   });
}

}  // namespace

template <typename T>
Variable<T> batch_norm(const Variable<T>& x, const Variable<T>& gamma, const Variable<T>& beta, double eps,
                       BatchNormStats<T>* stats) {
  const Layout l = check_shapes("batch_norm", x, gamma, beta);
  const std::size_t M = l.per_channel();
  if (M <= 1) {
    throw std::invalid_argument("batch_norm: training needs more than one value per channel, got x " +
                                shape_str(x.shape()) + " (use eval mode for single examples)");
  }
  const T* px = x.data().data();
  const T* pg = gamma.data().data();
  const T* pb = beta.data().data();

  // Two passes in double (mean, then centred squares): stable for float inputs with a large mean.
  std::vector<double> mu(l.C, 0.0), var(l.C, 0.0);
  for (std::size_t n = 0; n < l.N; ++n) {
    for (std::size_t c = 0; c < l.C; ++c) {
      const T* row = px + (n * l.C + c) * l.S;
      double acc = 0;
      for (std::size_t s = 0; s < l.S; ++s) acc += row[s];
      mu[c] += acc;
    }
  }
  for (auto& m : mu) m /= static_cast<double>(M);
  for (std::size_t n = 0; n < l.N; ++n) {
    for (std::size_t c = 0; c < l.C; ++c) {
      const T* row = px + (n * l.C + c) * l.S;
      const double m = mu[c];
      double acc = 0;
      for (std::size_t s = 0; s < l.S; ++s) acc += (row[s] - m) * (row[s] - m);
      var[c] += acc;
    }
  }
  auto cache = std::make_shared<Cache<T>>();
  cache->istd.resize(l.C);
  for (std::size_t c = 0; c < l.C; ++c) {
    var[c] /= static_cast<double>(M);
    cache->istd[c] = 1.0 / std::sqrt(var[c] + eps);
  }
  if (stats) {
    stats->mean = Tensor<T>::from_shape({l.C});
    stats->var = Tensor<T>::from_shape({l.C});
    for (std::size_t c = 0; c < l.C; ++c) {
      stats->mean.data()[c] = static_cast<T>(mu[c]);
      stats->var.data()[c] = static_cast<T>(var[c]);
    }
  }

  const bool need_cache = will_record<T>({x, gamma, beta});
  Tensor<T> y = Tensor<T>::from_shape(x.data().shape());
  if (need_cache) cache->xhat = Tensor<T>::from_shape(x.data().shape());
  T* py = y.data();
  T* ph = need_cache ? cache->xhat.data() : nullptr;
  for (std::size_t n = 0; n < l.N; ++n) {
    for (std::size_t c = 0; c < l.C; ++c) {
      const std::size_t off = (n * l.C + c) * l.S;
      const T m = static_cast<T>(mu[c]), is = static_cast<T>(cache->istd[c]), g = pg[c], b = pb[c];
      for (std::size_t s = 0; s < l.S; ++s) {
        const T h = (px[off + s] - m) * is;
        py[off + s] = g * h + b;
        if (ph) ph[off + s] = h;
      }
    }
  }
  if (!need_cache) cache.reset();

  CachePtr<T> saved = std::move(cache);
  return record<T>("batch_norm", std::move(y), {x, gamma, beta},
                   [saved, l, eps](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     // One pass over gy gives the sums all three gradients need; each gradient is
                     // still its own recorded op, so create_graph differentiates the same kernels.
                     std::vector<double> sg, sgx;
                     channel_sums(gy.data().data(), saved->xhat.data(), l, sg, sgx);
                     Grads<T> g = make_grads<T>(3);
                     if (in[0].requires_grad()) g[0] = batch_norm_backward(gy, in[0], in[1], saved, l, eps, &sg, &sgx);
                     if (in[1].requires_grad()) {
                       g[1] = batch_norm_backward_gamma(channel_tensor<T>(sgx), gy, in[0], saved, l, eps);
                     }
                     if (in[2].requires_grad()) g[2] = batch_norm_backward_beta(channel_tensor<T>(sg), gy);
                     return g;
                   });
}

template <typename T>
Variable<T> batch_norm_eval(const Variable<T>& x, const Variable<T>& gamma, const Variable<T>& beta,
                            const Tensor<T>& running_mean, const Tensor<T>& running_var, double eps) {
  const Layout l = check_shapes("batch_norm_eval", x, gamma, beta);
  const Shape want{l.C};
  if (to_shape(running_mean.shape()) != want || to_shape(running_var.shape()) != want) {
    throw std::invalid_argument("batch_norm_eval: x " + shape_str(x.shape()) + " needs running_mean and running_var " +
                                shape_str(want) + ", got " + shape_str(to_shape(running_mean.shape())) + " and " +
                                shape_str(to_shape(running_var.shape())));
  }
  // Per channel y = a_c·x + b_c with a_c = γ_c·r_c, b_c = β_c − mean_c·a_c, r_c = 1/√(var_c+eps).
  Tensor<T> r = Tensor<T>::from_shape(want);
  for (std::size_t c = 0; c < l.C; ++c) r.data()[c] = static_cast<T>(1.0 / std::sqrt(running_var.data()[c] + eps));
  const T* px = x.data().data();
  Tensor<T> y = Tensor<T>::from_shape(x.data().shape());
  T* py = y.data();
  for (std::size_t n = 0; n < l.N; ++n) {
    for (std::size_t c = 0; c < l.C; ++c) {
      const std::size_t off = (n * l.C + c) * l.S;
      const T a = gamma.data().data()[c] * r.data()[c];
      const T b = beta.data().data()[c] - running_mean.data()[c] * a;
      for (std::size_t s = 0; s < l.S; ++s) py[off + s] = a * px[off + s] + b;
    }
  }
  const std::size_t nd = x.ndim();
  const Variable<T> rb(per_channel(r, nd));
  const Variable<T> mb(per_channel(running_mean, nd));
  return record<T>("batch_norm_eval", std::move(y), {x, gamma, beta},
                   [rb, mb, nd](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     const std::vector<int> axes = stat_axes(nd);
                     Grads<T> g = make_grads<T>(3);
                     if (in[0].requires_grad()) g[0] = gy * (per_channel(in[1], nd) * rb);
                     if (in[1].requires_grad()) g[1] = sum(gy * ((in[0] - mb) * rb), axes);
                     if (in[2].requires_grad()) g[2] = sum(gy, axes);
                     return g;
                   });
}

#define MINIDL_INSTANTIATE(T)                                                                                  \
  template Variable<T> batch_norm<T>(const Variable<T>&, const Variable<T>&, const Variable<T>&, double,      \
                                     BatchNormStats<T>*);                                                      \
  template Variable<T> batch_norm_eval<T>(const Variable<T>&, const Variable<T>&, const Variable<T>&,         \
                                          const Tensor<T>&, const Tensor<T>&, double);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
