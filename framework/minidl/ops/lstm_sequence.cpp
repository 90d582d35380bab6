#include "minidl/ops/lstm_sequence.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "minidl/core/autograd.hpp"
#include "minidl/core/grad_mode.hpp"
#include "minidl/core/record.hpp"
#include "minidl/detail/blas.hpp"
#include "minidl/detail/lstm_rows.hpp"
#include "minidl/ops/arithmetic.hpp"
#include "minidl/ops/matrix.hpp"
#include "minidl/ops/recurrent.hpp"
#include "minidl/ops/shape.hpp"
#include "minidl/ops/split.hpp"

namespace minidl {
namespace {

struct Dims {
  std::size_t T, N, H;
};

Dims check(const char* op, const Shape& ps, const Shape& ws, const Shape& hs, const Shape& cs) {
  const bool ok = hs.size() == 2 && cs == hs && hs[0] >= 1 && hs[1] >= 1 && ws.size() == 2 && ws[0] == hs[1] &&
                  ws[1] == 4 * hs[1] && ps.size() == 2 && ps[1] == 4 * hs[1] && ps[0] >= hs[0] && ps[0] % hs[0] == 0;
  if (!ok) {
    throw std::invalid_argument(std::string(op) + ": needs P (T·N,4H) with T >= 1, Wh (H,4H), h0 and c0 (N,H); got P " +
                                shape_str(ps) + ", Wh " + shape_str(ws) + ", h0 " + shape_str(hs) + ", c0 " +
                                shape_str(cs));
  }
  return {ps[0] / hs[0], hs[0], hs[1]};
}

// What the forward keeps for the backward, all time-major (T·N rows): the activated gates (4H
// wide), the cell states c_0..c_{T−1}, their tanh, and the hidden states h_0..h_{T−1} (a copy of
// its own: the op's Y output may be dropped before backward).
template <typename T>
struct Cache {
  Tensor<T> acts, cells, tanh_cells, hidden;
};

template <typename T>
std::shared_ptr<const Cache<T>> forward_kernel(const Tensor<T>& P, const Tensor<T>& Wh, const Tensor<T>& h0,
                                               const Tensor<T>& c0, const Dims& d) {
  const std::size_t N = d.N, H = d.H, G = 4 * H, rows = d.T * N;
  auto cache = std::make_shared<Cache<T>>();
  cache->acts = Tensor<T>::from_shape({rows, G});
  cache->cells = Tensor<T>::from_shape({rows, H});
  cache->tanh_cells = Tensor<T>::from_shape({rows, H});
  cache->hidden = Tensor<T>::from_shape({rows, H});
  Tensor<T> A = Tensor<T>::from_shape({N, G});
  for (std::size_t t = 0; t < d.T; ++t) {
    const T* h_prev = t ? cache->hidden.data() + (t - 1) * N * H : h0.data();
    const T* c_prev = t ? cache->cells.data() + (t - 1) * N * H : c0.data();
    // A_t (N,4H) = P_t + h_{t−1} (N,H) · Wh (H,4H)
    std::copy(P.data() + t * N * G, P.data() + (t + 1) * N * G, A.data());
    blas::gemm<T>(false, false, N, G, H, T(1), h_prev, H, Wh.data(), G, T(1), A.data(), G);
    for (std::size_t r = 0; r < N; ++r) {
      const std::size_t row = t * N + r;
      detail::lstm_forward_row(A.data() + r * G, c_prev + r * H, cache->acts.data() + row * G,
                               cache->cells.data() + row * H, cache->tanh_cells.data() + row * H,
                               cache->hidden.data() + row * H, H);
    }
  }
  return cache;
}

// Rows [first, first + count) of a (rows, width) tensor, as a new tensor.
template <typename T>
Tensor<T> rows_of(const Tensor<T>& x, std::size_t first, std::size_t count, std::size_t width) {
  Tensor<T> y = Tensor<T>::from_shape({count, width});
  std::copy(x.data() + first * width, x.data() + (first + count) * width, y.data());
  return y;
}

template <typename T>
Variable<T> or_zeros(const Variable<T>& v, const Shape& shape) {
  return v.defined() ? v : Variable<T>(zeros_tensor<T>(shape));
}

// The recurrence as T steps of recorded ops (addmm, lstm_gates): {Y, h_T, c_T}.
template <typename T>
std::vector<Variable<T>> composed_sequence(const Variable<T>& P, const Variable<T>& Wh, const Variable<T>& h0,
                                           const Variable<T>& c0, const Dims& d) {
  const std::vector<Variable<T>> steps = split(P, std::vector<std::size_t>(d.T, d.N), 0);
  Variable<T> h = h0, c = c0;
  std::vector<Variable<T>> ys;
  for (const Variable<T>& p : steps) {
    const std::vector<Variable<T>> hc = lstm_gates(addmm(p, h, Wh), c);
    h = hc[0];
    c = hc[1];
    ys.push_back(h);
  }
  return {concat<T>(ys, 0), h, c};
}

// The second derivatives: the gradient of L = Σ_k <U_k, output_k of lstm_sequence_backward> with
// respect to its seven inputs. The backward op computes ⟨(gY, ghT, gcT), ∂(Y, h_T, c_T)/∂(P, Wh,
// h0, c0)⟩, so L is differentiated through the same recurrence written as recorded steps: its first
// derivatives as a graph (grad with create_graph), then those against U.
//
// grad() returns total derivatives, following every path, and the seven inputs need not be
// independent (gY is often a function of Y, hence of P). So each input enters through a node of
// its own (x·1, recorded), and the gradient is taken at those nodes: only paths through the
// recurrence reach them, which makes them the partial derivatives the engine expects, while they
// stay functions of the real inputs for derivatives of higher order. An input that needs no
// gradient enters as a fresh leaf. The passes run on past those nodes into the caller's graph
// (work, not a change of result) and keep it (retain_graph), since the caller's pass still needs it.
template <typename T>
Grads<T> second_derivatives(const Inputs<T>& in, const std::vector<Variable<T>>& ups, const Dims& d) {
  const bool create_graph = grad_enabled();
  GradModeGuard recording(true);
  const Shape state{d.N, d.H}, seq{d.T * d.N, d.H};
  const Shape shapes[7] = {seq, state, state, in[3].shape(), in[4].shape(), state, state};
  std::vector<Variable<T>> vars(7);
  for (std::size_t k = 0; k < 7; ++k) {
    const Variable<T> v = or_zeros(in[k], shapes[k]);
    vars[k] = v.requires_grad() ? mul_scalar(v, 1.0) : Variable<T>(v.data(), true);
  }
  const std::vector<Variable<T>> outs = composed_sequence(vars[3], vars[4], vars[5], vars[6], d);
  const std::vector<Variable<T>> first =
      grad<T>(outs, {vars[3], vars[4], vars[5], vars[6]}, {vars[0], vars[1], vars[2]}, true, true);
  std::vector<Variable<T>> seeds(4);
  for (std::size_t k = 0; k < 4; ++k) seeds[k] = or_zeros(ups[k], first[k].shape());
  const std::vector<Variable<T>> second = grad<T>(first, vars, seeds, create_graph, true);
  Grads<T> grads(7);
  for (std::size_t k = 0; k < 7; ++k) {
    if (in[k].defined() && in[k].requires_grad()) grads[k] = second[k];
  }
  return grads;
}

template <typename T>
std::vector<Variable<T>> backward_kernel(const Variable<T>& gY, const Variable<T>& ghT, const Variable<T>& gcT,
                                         const Variable<T>& P, const Variable<T>& Wh, const Variable<T>& h0,
                                         const Variable<T>& c0, const Cache<T>& cache, const Dims& d) {
  const std::size_t N = d.N, H = d.H, G = 4 * H, rows = d.T * N;
  Tensor<T> gP = Tensor<T>::from_shape({rows, G});
  Tensor<T> gh = ghT.defined() ? ghT.data() : zeros_tensor<T>({N, H});
  Tensor<T> gc = gcT.defined() ? gcT.data() : zeros_tensor<T>({N, H});
  Tensor<T> dc = Tensor<T>::from_shape({N, H});
  const T* w = Wh.data().data();
  for (std::size_t t = d.T; t-- > 0;) {
    if (gY.defined()) {
      const T* gy = gY.data().data() + t * N * H;
      T* g = gh.data();
      for (std::size_t j = 0; j < N * H; ++j) g[j] += gy[j];
    }
    const T* c_prev = t ? cache.cells.data() + (t - 1) * N * H : c0.data().data();
    T* ga = gP.data() + t * N * G;
    for (std::size_t r = 0; r < N; ++r) {
      const std::size_t row = t * N + r;
      detail::lstm_backward_row(cache.acts.data() + row * G, cache.tanh_cells.data() + row * H, c_prev + r * H,
                                gh.data() + r * H, gc.data() + r * H, ga + r * G, dc.data() + r * H, H);
    }
    std::swap(gc, dc);
    // gh for h_{t−1} (N,H) = gA_t (N,4H) · Whᵀ (4H,H)
    blas::gemm<T>(false, true, N, H, G, T(1), ga, G, w, G, T(0), gh.data(), H);
  }
  // gWh (H,4H) = Σ_t h_{t−1}ᵀ · gA_t = h0ᵀ · gA_0 + [h_0; …; h_{T−2}]ᵀ · [gA_1; …; gA_{T−1}]
  Tensor<T> gWh = Tensor<T>::from_shape({H, G});
  blas::gemm<T>(true, false, H, G, N, T(1), h0.data().data(), H, gP.data(), G, T(0), gWh.data(), G);
  if (d.T > 1) {
    blas::gemm<T>(true, false, H, G, rows - N, T(1), cache.hidden.data(), H, gP.data() + N * G, G, T(1), gWh.data(),
                  G);
  }
  std::vector<Tensor<T>> outs;
  outs.push_back(std::move(gP));
  outs.push_back(std::move(gWh));
  outs.push_back(std::move(gh));
  outs.push_back(std::move(gc));
  return record_multi<T>("lstm_sequence_backward", std::move(outs), {gY, ghT, gcT, P, Wh, h0, c0},
                         [d](const Inputs<T>& in, const std::vector<Variable<T>>&, const std::vector<Variable<T>>& ups) {
                           return second_derivatives<T>(in, ups, d);
                         });
}

void check_upstream(const char* what, const Shape& got, const Shape& want) {
  if (got != want) {
    throw std::invalid_argument(std::string("lstm_sequence_backward: ") + what + " is " + shape_str(got) +
                                ", expected " + shape_str(want));
  }
}

}  // namespace

template <typename T>
std::vector<Variable<T>> lstm_sequence(const Variable<T>& P, const Variable<T>& Wh, const Variable<T>& h0,
                                       const Variable<T>& c0) {
  const Dims d = check("lstm_sequence", P.shape(), Wh.shape(), h0.shape(), c0.shape());
  const std::shared_ptr<const Cache<T>> cache = forward_kernel(P.data(), Wh.data(), h0.data(), c0.data(), d);
  const std::size_t last = (d.T - 1) * d.N;
  std::vector<Tensor<T>> outs;
  outs.push_back(cache->hidden);
  outs.push_back(rows_of(cache->hidden, last, d.N, d.H));
  outs.push_back(rows_of(cache->cells, last, d.N, d.H));
  return record_multi<T>("lstm_sequence", std::move(outs), {P, Wh, h0, c0},
                         [cache, d](const Inputs<T>& in, const std::vector<Variable<T>>&,
                                    const std::vector<Variable<T>>& gys) {
                           return Grads<T>(
                               backward_kernel(gys[0], gys[1], gys[2], in[0], in[1], in[2], in[3], *cache, d));
                         });
}

template <typename T>
std::vector<Variable<T>> lstm_sequence_backward(const Variable<T>& gY, const Variable<T>& ghT, const Variable<T>& gcT,
                                                const Variable<T>& P, const Variable<T>& Wh, const Variable<T>& h0,
                                                const Variable<T>& c0) {
  const Dims d = check("lstm_sequence_backward", P.shape(), Wh.shape(), h0.shape(), c0.shape());
  if (gY.defined()) check_upstream("gY", gY.shape(), {d.T * d.N, d.H});
  if (ghT.defined()) check_upstream("ghT", ghT.shape(), {d.N, d.H});
  if (gcT.defined()) check_upstream("gcT", gcT.shape(), {d.N, d.H});
  const std::shared_ptr<const Cache<T>> cache = forward_kernel(P.data(), Wh.data(), h0.data(), c0.data(), d);
  return backward_kernel(gY, ghT, gcT, P, Wh, h0, c0, *cache, d);
}

#define MINIDL_INSTANTIATE(T)                                                                                   \
  template std::vector<Variable<T>> lstm_sequence<T>(const Variable<T>&, const Variable<T>&, const Variable<T>&, \
                                                     const Variable<T>&);                                       \
  template std::vector<Variable<T>> lstm_sequence_backward<T>(const Variable<T>&, const Variable<T>&,           \
                                                              const Variable<T>&, const Variable<T>&,           \
                                                              const Variable<T>&, const Variable<T>&,           \
                                                              const Variable<T>&);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
