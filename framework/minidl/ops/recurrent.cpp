#include "minidl/ops/recurrent.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "minidl/core/kernels.hpp"
#include "minidl/core/record.hpp"
#include "minidl/detail/blas.hpp"
#include "minidl/detail/lstm_rows.hpp"
#include "minidl/ops/arithmetic.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/elementwise.hpp"
#include "minidl/ops/matrix.hpp"
#include "minidl/ops/shape.hpp"
#include "minidl/ops/split.hpp"

namespace minidl {
namespace {

template <typename T>
using Cache = std::shared_ptr<const Tensor<T>>;

// Throws unless `v` is (n, cols), naming the op, the argument and every shape involved.
void expect(const char* op, const char* name, const Shape& s, std::size_t n, std::size_t cols, const std::string& all) {
  if (s.size() != 2 || s[0] != n || s[1] != cols) {
    throw std::invalid_argument(std::string(op) + ": " + name + " is " + shape_str(s) + ", expected " +
                                shape_str({n, cols}) + " (" + all + ")");
  }
}

// A defined gradient, or zeros of `like`'s shape for an undefined one (an unused output).
template <typename T>
Variable<T> or_zeros(const Variable<T>& g, const Variable<T>& like) {
  return g.defined() ? g : Variable<T>(zeros_tensor<T>(like.shape()));
}

template <typename T>
Variable<T> one_minus(const Variable<T>& x) {
  return rsub_scalar(x, 1.0);
}

// s(1 − s): σ' in terms of σ's output.
template <typename T>
Variable<T> dsig(const Variable<T>& s) {
  return mul(s, one_minus(s));
}

// ---- LSTM -----------------------------------------------------------------------------------------

// i, f, g, o activated, (N,4H), and tanh(c'), (N,H): what both the forward and the backward kernel
// read. Computed once in the forward and kept for its backward when a node is recorded.
template <typename T>
struct LstmActs {
  Cache<T> gates, tanh_c;
};

// The forward on tensors: the activations and tanh(c') (what the backward kernel reads), and c',
// h' when asked for (the backward op recomputes only the first two).
template <typename T>
LstmActs<T> lstm_forward(const Tensor<T>& A, const Tensor<T>& c, std::size_t n, std::size_t h, Tensor<T>* cn,
                         Tensor<T>* hn) {
  auto gates = std::make_shared<Tensor<T>>(Tensor<T>::from_shape({n, 4 * h}));
  auto tc = std::make_shared<Tensor<T>>(Tensor<T>::from_shape({n, h}));
  Tensor<T> scratch;
  if (!cn) scratch = Tensor<T>::from_shape({h});
  if (cn) *cn = Tensor<T>::from_shape({n, h});
  if (hn) *hn = Tensor<T>::from_shape({n, h});
  for (std::size_t r = 0; r < n; ++r) {
    detail::lstm_forward_row(A.data() + r * 4 * h, c.data() + r * h, gates->data() + r * 4 * h,
                     cn ? cn->data() + r * h : scratch.data(), tc->data() + r * h, hn ? hn->data() + r * h : nullptr, h);
  }
  return {gates, tc};
}

template <typename T>
std::vector<Variable<T>> lstm_backward_impl(const Variable<T>& gh, const Variable<T>& gc, const Variable<T>& A,
                                            const Variable<T>& c, const LstmActs<T>& cache);

// The second derivatives: the gradient of L = <U_A, dA> + <U_c, dc> with respect to gh, gc, A and c,
// written with Variable ops (so third derivatives exist too). Derivation in docs/sequence_ops.md.
template <typename T>
Grads<T> lstm_second_derivatives(const Inputs<T>& in, const std::vector<Variable<T>>& ups) {
  const Variable<T>& A = in[2];
  const Variable<T>& c = in[3];
  const Variable<T> gh = or_zeros(in[0], c), gc = or_zeros(in[1], c);
  const Variable<T> UA = or_zeros(ups[0], A), Uc = or_zeros(ups[1], c);
  const std::vector<Variable<T>> a = chunk(A, 4, 1), u = chunk(UA, 4, 1);
  const Variable<T> i = sigmoid(a[0]), f = sigmoid(a[1]), g = tanh(a[2]), o = sigmoid(a[3]);
  const Variable<T> t = tanh(add(mul(f, c), mul(i, g)));
  const Variable<T> q = one_minus(mul(t, t));
  const Variable<T> di = dsig(i), df = dsig(f), dg = one_minus(mul(g, g)), dout = dsig(o);
  const Variable<T> dc = add(gc, mul(mul(gh, o), q));  // the forward's dc'
  const Variable<T>&Ui = u[0], &Uf = u[1], &Ug = u[2], &Uo = u[3];
  // S = ∂L/∂dc'; Cp = ∂L/∂c' through tanh(c').
  const Variable<T> S = add(add(mul(mul(Ui, g), di), mul(mul(Uf, c), df)), add(mul(mul(Ug, i), dg), mul(Uc, f)));
  const Variable<T> Tt = add(mul_scalar(mul(mul(mul(S, gh), o), t), -2.0), mul(mul(Uo, gh), dout));
  const Variable<T> Cp = mul(Tt, q);
  const auto one_minus_2 = [](const Variable<T>& s) { return rsub_scalar(mul_scalar(s, 2.0), 1.0); };
  const Variable<T> Li = add(add(mul(mul(mul(Ui, dc), g), one_minus_2(i)), mul(mul(Ug, dc), dg)), mul(Cp, g));
  const Variable<T> Lf = add(add(mul(mul(mul(Uf, dc), c), one_minus_2(f)), mul(Uc, dc)), mul(Cp, c));
  const Variable<T> Lg =
      add(sub(mul(mul(Ui, dc), di), mul_scalar(mul(mul(mul(Ug, dc), i), g), 2.0)), mul(Cp, i));
  const Variable<T> Lo = add(mul(mul(S, gh), q), mul(mul(mul(Uo, gh), t), one_minus_2(o)));
  Grads<T> grads(4);
  if (in[0].defined() && in[0].requires_grad()) grads[0] = add(mul(mul(S, o), q), mul(mul(Uo, t), dout));
  if (in[1].defined() && in[1].requires_grad()) grads[1] = S;
  if (A.requires_grad()) grads[2] = concat<T>({mul(Li, di), mul(Lf, df), mul(Lg, dg), mul(Lo, dout)}, 1);
  if (c.requires_grad()) grads[3] = add(mul(Cp, f), mul(mul(Uf, dc), df));
  return grads;
}

template <typename T>
std::vector<Variable<T>> lstm_backward_impl(const Variable<T>& gh, const Variable<T>& gc, const Variable<T>& A,
                                            const Variable<T>& c, const LstmActs<T>& cache) {
  const std::size_t n = c.shape()[0], h = c.shape()[1];
  const Tensor<T> zero = (gh.defined() && gc.defined()) ? Tensor<T>() : zeros_tensor<T>({n, h});
  const T* pgh = gh.defined() ? gh.data().data() : zero.data();
  const T* pgc = gc.defined() ? gc.data().data() : zero.data();
  Tensor<T> dA = Tensor<T>::from_shape({n, 4 * h});
  Tensor<T> dcp = Tensor<T>::from_shape({n, h});
  for (std::size_t r = 0; r < n; ++r) {
    detail::lstm_backward_row(cache.gates->data() + r * 4 * h, cache.tanh_c->data() + r * h, c.data().data() + r * h,
                      pgh + r * h, pgc + r * h, dA.data() + r * 4 * h, dcp.data() + r * h, h);
  }
  std::vector<Tensor<T>> outs;
  outs.push_back(std::move(dA));
  outs.push_back(std::move(dcp));
  return record_multi<T>("lstm_gates_backward", std::move(outs), {gh, gc, A, c},
                         [](const Inputs<T>& in, const std::vector<Variable<T>>&, const std::vector<Variable<T>>& ups) {
                           return lstm_second_derivatives<T>(in, ups);
                         });
}

void check_lstm(const char* op, const Shape& as, const Shape& cs) {
  const std::string all = "A " + shape_str(as) + ", c " + shape_str(cs);
  if (cs.size() != 2) throw std::invalid_argument(std::string(op) + ": c must be (N,H), got " + shape_str(cs));
  expect(op, "A", as, cs[0], 4 * cs[1], all);
}

// ---- GRU ------------------------------------------------------------------------------------------

// r, z, n activated, (N,3H).
template <typename T>
Tensor<T> gru_activate(const Tensor<T>& Ax, const Tensor<T>& Ah, std::size_t n, std::size_t h) {
  Tensor<T> acts = Tensor<T>::from_shape({n, 3 * h});
  for (std::size_t r = 0; r < n; ++r) {
    const T* ax = Ax.data() + r * 3 * h;
    const T* ah = Ah.data() + r * 3 * h;
    T* y = acts.data() + r * 3 * h;
    for (std::size_t j = 0; j < 2 * h; ++j) y[j] = ax[j] + ah[j];
    kernels::sigmoid(y, y, 2 * h);  // r, z
    for (std::size_t j = 0; j < h; ++j) y[2 * h + j] = ax[2 * h + j] + y[j] * ah[2 * h + j];
    kernels::tanh(y + 2 * h, y + 2 * h, h);  // n
  }
  return acts;
}

template <typename T>
Grads<T> gru_second_derivatives(const Inputs<T>& in, const std::vector<Variable<T>>& ups) {
  const Variable<T>&gy = in[0], &Ax = in[1], &Ah = in[2], &h = in[3];
  const Variable<T> UAx = or_zeros(ups[0], Ax), UAh = or_zeros(ups[1], Ah), Ud = or_zeros(ups[2], h);
  const std::vector<Variable<T>> ax = chunk(Ax, 3, 1), ah = chunk(Ah, 3, 1), ux = chunk(UAx, 3, 1),
                                 uh = chunk(UAh, 3, 1);
  const Variable<T> r = sigmoid(add(ax[0], ah[0])), z = sigmoid(add(ax[1], ah[1]));
  const Variable<T> nn = tanh(add(ax[2], mul(r, ah[2])));
  const Variable<T> q = one_minus(mul(nn, nn)), dr = dsig(r), dz = dsig(z), omz = one_minus(z);
  const Variable<T> Ur = add(ux[0], uh[0]), Uz = add(ux[1], uh[1]);
  const Variable<T>&Uxn = ux[2], &Uhn = uh[2];
  const Variable<T> hmn = sub(h, nn);
  const Variable<T> K = add(add(mul(mul(Ur, ah[2]), dr), Uxn), mul(Uhn, r));
  const Variable<T> gq = mul(mul(gy, omz), q);  // gy (1−z)(1−n²)
  const auto one_minus_2 = [](const Variable<T>& s) { return rsub_scalar(mul_scalar(s, 2.0), 1.0); };
  const Variable<T> Lz = add(sub(mul(mul(Uz, gy), mul(hmn, one_minus_2(z))), mul(mul(gy, q), K)), mul(Ud, gy));
  const Variable<T> Ln = sub(mul_scalar(mul(mul(mul(nn, gy), omz), K), -2.0), mul(mul(Uz, gy), dz));
  const Variable<T> Lp = mul(Ln, q);
  const Variable<T> Lr = add(mul(gq, add(mul(mul(Ur, ah[2]), one_minus_2(r)), Uhn)), mul(Lp, ah[2]));
  const Variable<T> gar = mul(Lr, dr), gaz = mul(Lz, dz);
  Grads<T> grads(4);
  if (gy.requires_grad()) grads[0] = add(add(mul(mul(omz, q), K), mul(mul(Uz, hmn), dz)), mul(Ud, z));
  if (Ax.requires_grad()) grads[1] = concat<T>({gar, gaz, Lp}, 1);
  if (Ah.requires_grad()) grads[2] = concat<T>({gar, gaz, add(mul(mul(gq, Ur), dr), mul(Lp, r))}, 1);
  if (h.requires_grad()) grads[3] = mul(mul(Uz, gy), dz);
  return grads;
}

template <typename T>
std::vector<Variable<T>> gru_backward_impl(const Variable<T>& gy, const Variable<T>& Ax, const Variable<T>& Ah,
                                           const Variable<T>& h, const Cache<T>& acts) {
  const std::size_t n = h.shape()[0], H = h.shape()[1];
  Tensor<T> dAx = Tensor<T>::from_shape({n, 3 * H});
  Tensor<T> dAh = Tensor<T>::from_shape({n, 3 * H});
  Tensor<T> dh = Tensor<T>::from_shape({n, H});
  for (std::size_t row = 0; row < n; ++row) {
    const T* r = acts->data() + row * 3 * H;
    const T* z = r + H;
    const T* nn = r + 2 * H;
    const T* ahn = Ah.data().data() + row * 3 * H + 2 * H;
    const T* hp = h.data().data() + row * H;
    const T* g = gy.data().data() + row * H;
    T* dx = dAx.data() + row * 3 * H;
    T* dhh = dAh.data() + row * 3 * H;
    T* dhp = dh.data() + row * H;
    for (std::size_t j = 0; j < H; ++j) {
      const T dp = g[j] * (T(1) - z[j]) * (T(1) - nn[j] * nn[j]);
      const T dr = dp * ahn[j] * r[j] * (T(1) - r[j]);
      const T dz = g[j] * (hp[j] - nn[j]) * z[j] * (T(1) - z[j]);
      dx[j] = dhh[j] = dr;
      dx[H + j] = dhh[H + j] = dz;
      dx[2 * H + j] = dp;
      dhh[2 * H + j] = dp * r[j];
      dhp[j] = g[j] * z[j];
    }
  }
  std::vector<Tensor<T>> outs;
  outs.push_back(std::move(dAx));
  outs.push_back(std::move(dAh));
  outs.push_back(std::move(dh));
  return record_multi<T>("gru_gates_backward", std::move(outs), {gy, Ax, Ah, h},
                         [](const Inputs<T>& in, const std::vector<Variable<T>>&, const std::vector<Variable<T>>& ups) {
                           return gru_second_derivatives<T>(in, ups);
                         });
}

void check_gru(const char* op, const Shape& xs, const Shape& hs, const Shape& ps) {
  const std::string all = "Ax " + shape_str(xs) + ", Ah " + shape_str(hs) + ", h " + shape_str(ps);
  if (ps.size() != 2) throw std::invalid_argument(std::string(op) + ": h must be (N,H), got " + shape_str(ps));
  expect(op, "Ax", xs, ps[0], 3 * ps[1], all);
  expect(op, "Ah", hs, ps[0], 3 * ps[1], all);
}

}  // namespace

// ---- affine2 ------------------------------------------------------------------------------------

template <typename T>
Variable<T> affine2(const Variable<T>& x, const Variable<T>& Wx, const Variable<T>& h, const Variable<T>& Wh,
                    const Variable<T>& b) {
  const Shape xs = x.shape(), wxs = Wx.shape(), hs = h.shape(), whs = Wh.shape(), bs = b.shape();
  const bool ok = xs.size() == 2 && wxs.size() == 2 && hs.size() == 2 && whs.size() == 2 && bs.size() == 1 &&
                  xs[1] == wxs[0] && hs[1] == whs[0] && hs[0] == xs[0] && wxs[1] == whs[1] && bs[0] == wxs[1];
  if (!ok) {
    throw std::invalid_argument("affine2: x " + shape_str(xs) + " · Wx " + shape_str(wxs) + " + h " + shape_str(hs) +
                                " · Wh " + shape_str(whs) + " + b " + shape_str(bs) +
                                " (needs x (N,D), Wx (D,G), h (N,H), Wh (H,G), b (G))");
  }
  const std::size_t n = xs[0], d = xs[1], hd = hs[1], g = wxs[1];
  Tensor<T> y = Tensor<T>::from_shape({n, g});
  const T* pb = b.data().data();
  T* py = y.data();
  for (std::size_t r = 0; r < n; ++r) std::copy(pb, pb + g, py + r * g);
  if (n && g) {
    if (d) blas::gemm<T>(false, false, n, g, d, T(1), x.data().data(), d, Wx.data().data(), g, T(1), py, g);
    if (hd) blas::gemm<T>(false, false, n, g, hd, T(1), h.data().data(), hd, Wh.data().data(), g, T(1), py, g);
  }
  return record<T>("affine2", std::move(y), {x, Wx, h, Wh, b},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     Grads<T> grads(5);
                     if (in[0].requires_grad()) grads[0] = matmul(gy, in[1], false, true);  // (N,G)·(D,G)ᵀ
                     if (in[1].requires_grad()) grads[1] = matmul(in[0], gy, true, false);  // (N,D)ᵀ·(N,G)
                     if (in[2].requires_grad()) grads[2] = matmul(gy, in[3], false, true);
                     if (in[3].requires_grad()) grads[3] = matmul(in[2], gy, true, false);
                     if (in[4].requires_grad()) grads[4] = sum_to(gy, in[4].shape());
                     return grads;
                   });
}

// ---- LSTM -----------------------------------------------------------------------------------------

template <typename T>
std::vector<Variable<T>> lstm_gates(const Variable<T>& A, const Variable<T>& c) {
  check_lstm("lstm_gates", A.shape(), c.shape());
  const std::size_t n = c.shape()[0], h = c.shape()[1];
  Tensor<T> cn, hn;
  const LstmActs<T> acts = lstm_forward(A.data(), c.data(), n, h, &cn, &hn);
  std::vector<Tensor<T>> outs;
  outs.push_back(std::move(hn));
  outs.push_back(std::move(cn));
  // The activations are captured only by the backward, which record_multi drops when nothing is
  // recorded, so an inference step keeps nothing.
  return record_multi<T>("lstm_gates", std::move(outs), {A, c},
                         [acts](const Inputs<T>& in, const std::vector<Variable<T>>&,
                                const std::vector<Variable<T>>& gys) {
                           return Grads<T>(lstm_backward_impl(gys[0], gys[1], in[0], in[1], acts));
                         });
}

template <typename T>
std::vector<Variable<T>> lstm_gates_backward(const Variable<T>& gh, const Variable<T>& gc, const Variable<T>& A,
                                             const Variable<T>& c) {
  check_lstm("lstm_gates_backward", A.shape(), c.shape());
  const std::size_t n = c.shape()[0], h = c.shape()[1];
  for (const Variable<T>* g : {&gh, &gc}) {
    if (g->defined() && g->shape() != c.shape()) {
      throw std::invalid_argument("lstm_gates_backward: upstream gradient " + shape_str(g->shape()) +
                                  " does not match c " + shape_str(c.shape()));
    }
  }
  return lstm_backward_impl(gh, gc, A, c, lstm_forward<T>(A.data(), c.data(), n, h, nullptr, nullptr));
}

// ---- GRU ------------------------------------------------------------------------------------------

template <typename T>
Variable<T> gru_gates(const Variable<T>& Ax, const Variable<T>& Ah, const Variable<T>& h) {
  check_gru("gru_gates", Ax.shape(), Ah.shape(), h.shape());
  const std::size_t n = h.shape()[0], H = h.shape()[1];
  auto acts = std::make_shared<const Tensor<T>>(gru_activate(Ax.data(), Ah.data(), n, H));
  Tensor<T> hn = Tensor<T>::from_shape({n, H});
  for (std::size_t r = 0; r < n; ++r) {
    const T* z = acts->data() + r * 3 * H + H;
    const T* nn = z + H;
    const T* hp = h.data().data() + r * H;
    T* out = hn.data() + r * H;
    for (std::size_t j = 0; j < H; ++j) out[j] = (T(1) - z[j]) * nn[j] + z[j] * hp[j];
  }
  return record<T>("gru_gates", std::move(hn), {Ax, Ah, h},
                   [acts](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     return Grads<T>(gru_backward_impl(gy, in[0], in[1], in[2], acts));
                   });
}

template <typename T>
std::vector<Variable<T>> gru_gates_backward(const Variable<T>& gy, const Variable<T>& Ax, const Variable<T>& Ah,
                                            const Variable<T>& h) {
  check_gru("gru_gates_backward", Ax.shape(), Ah.shape(), h.shape());
  if (gy.shape() != h.shape()) {
    throw std::invalid_argument("gru_gates_backward: upstream gradient " + shape_str(gy.shape()) +
                                " does not match h " + shape_str(h.shape()));
  }
  const std::size_t n = h.shape()[0], H = h.shape()[1];
  return gru_backward_impl(gy, Ax, Ah, h, std::make_shared<const Tensor<T>>(gru_activate(Ax.data(), Ah.data(), n, H)));
}

#define MINIDL_INSTANTIATE(T)                                                                                    \
  template Variable<T> affine2<T>(const Variable<T>&, const Variable<T>&, const Variable<T>&, const Variable<T>&, \
                                  const Variable<T>&);                                                           \
  template std::vector<Variable<T>> lstm_gates<T>(const Variable<T>&, const Variable<T>&);                       \
  template std::vector<Variable<T>> lstm_gates_backward<T>(const Variable<T>&, const Variable<T>&,               \
                                                           const Variable<T>&, const Variable<T>&);              \
  template Variable<T> gru_gates<T>(const Variable<T>&, const Variable<T>&, const Variable<T>&);                 \
  template std::vector<Variable<T>> gru_gates_backward<T>(const Variable<T>&, const Variable<T>&,                \
                                                          const Variable<T>&, const Variable<T>&);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
