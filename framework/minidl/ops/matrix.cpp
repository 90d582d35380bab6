#include "minidl/ops/matrix.hpp"

#include <stdexcept>

#include "minidl/detail/blas.hpp"
#include "minidl/core/record.hpp"
#include "minidl/ops/broadcasting.hpp"

namespace minidl {
namespace {

template <typename S>
std::string mismatch(const char* op, const S& a, const S& b, bool ta, bool tb) {
  return std::string(op) + ": " + shape_str(to_shape(a)) + (ta ? "ᵀ" : "") + " x " + shape_str(to_shape(b)) +
         (tb ? "ᵀ" : "");
}

// Dimensions of one product: op(A) is (m,k), op(B) is (k,n), over `batch` matrices.
struct GemmShape {
  std::size_t batch, m, n, k, a_rows, a_cols, b_rows, b_cols;
};

// S: a tensor's own shape type, read in place (a Shape copy would be a heap allocation per op).
template <typename S>
GemmShape plan(const S& as, const S& bs, bool ta, bool tb) {
  const bool batched = as.size() == 3 && bs.size() == 3;
  if (!(as.size() == 2 && bs.size() == 2) && !batched) {
    throw std::invalid_argument(mismatch("matmul", as, bs, ta, tb) + " (needs two 2-D or two 3-D tensors)");
  }
  if (batched && as[0] != bs[0]) {
    throw std::invalid_argument(mismatch("matmul", as, bs, ta, tb) + " (batch sizes differ)");
  }
  const std::size_t o = batched ? 1 : 0;
  GemmShape g{batched ? as[0] : 1, 0, 0, 0, as[o], as[o + 1], bs[o], bs[o + 1]};
  g.m = ta ? g.a_cols : g.a_rows;
  g.k = ta ? g.a_rows : g.a_cols;
  const std::size_t kb = tb ? g.b_cols : g.b_rows;
  g.n = tb ? g.b_rows : g.b_cols;
  if (g.k != kb) throw std::invalid_argument(mismatch("matmul", as, bs, ta, tb));
  return g;
}

}  // namespace

template <typename T>
Variable<T> matmul(const Variable<T>& a, const Variable<T>& b, bool ta, bool tb) {
  const auto& as = a.data().shape();
  const GemmShape g = plan(as, b.data().shape(), ta, tb);
  Tensor<T> y = as.size() == 3 ? Tensor<T>::from_shape({g.batch, g.m, g.n}) : Tensor<T>::from_shape({g.m, g.n});
  const T* pa = a.data().data();
  const T* pb = b.data().data();
  T* py = y.data();
  for (std::size_t i = 0; i < g.batch; ++i) {
    // y_i (m,n) = op(a_i) (m,k) · op(b_i) (k,n); leading dims are the stored row lengths.
    blas::gemm<T>(ta, tb, g.m, g.n, g.k, T(1), pa + i * g.a_rows * g.a_cols, g.a_cols, pb + i * g.b_rows * g.b_cols,
                  g.b_cols, T(0), py + i * g.m * g.n, g.n);
  }
  return record<T>("matmul", std::move(y), {a, b},
                   [ta, tb](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     // y = op_a(A) op_b(B). dA = gy op_b(B)ᵀ, transposed back when A entered as Aᵀ;
                     // dB = op_a(A)ᵀ gy, likewise. Each case is one flagged matmul.
                     Grads<T> grads = make_grads<T>(2);
                     const Variable<T>& A = in[0];
                     const Variable<T>& B = in[1];
                     if (A.requires_grad()) grads[0] = ta ? matmul(B, gy, tb, true) : matmul(gy, B, false, !tb);
                     if (B.requires_grad()) grads[1] = tb ? matmul(gy, A, true, ta) : matmul(A, gy, !ta, false);
                     return grads;
                   });
}

template <typename T>
Variable<T> linear(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b) {
  const auto &xs = x.data().shape(), &ws = W.data().shape(), &bs = b.data().shape();
  if (xs.size() != 2 || ws.size() != 2 || xs[1] != ws[0]) {
    throw std::invalid_argument("linear: x " + shape_str(x.shape()) + " x W " + shape_str(W.shape()) +
                                " (needs x (N,D) and W (D,H))");
  }
  const std::size_t n = xs[0], d = xs[1], h = ws[1];
  if (!(bs.size() == 1 && bs[0] == h)) {
    throw std::invalid_argument("linear: bias " + shape_str(b.shape()) + " does not match W " + shape_str(W.shape()) +
                                " (needs b (" + std::to_string(h) + "))");
  }
  Tensor<T> y = Tensor<T>::from_shape({n, h});
  // Broadcast b into every row, then accumulate x·W on top with beta = 1.
  const T* pb = b.data().data();
  T* py = y.data();
  for (std::size_t r = 0; r < n; ++r) std::copy(pb, pb + h, py + r * h);
  blas::gemm<T>(false, false, n, h, d, T(1), x.data().data(), d, W.data().data(), h, T(1), py, h);
  return record<T>("linear", std::move(y), {x, W, b}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    Grads<T> grads = make_grads<T>(3);
    if (in[0].requires_grad()) grads[0] = matmul(gy, in[1], false, true);  // (N,H)·(D,H)ᵀ -> (N,D)
    if (in[1].requires_grad()) grads[1] = matmul(in[0], gy, true, false);  // (N,D)ᵀ·(N,H) -> (D,H)
    if (in[2].requires_grad()) grads[2] = sum_to_like(gy, in[2]);          // (N,H) -> (H)
    return grads;
  });
}

template <typename T>
Variable<T> addmm(const Variable<T>& base, const Variable<T>& a, const Variable<T>& W) {
  const auto &ys = base.data().shape(), &as = a.data().shape(), &ws = W.data().shape();
  if (ys.size() != 2 || as.size() != 2 || ws.size() != 2 || as[1] != ws[0] || ys[0] != as[0] || ys[1] != ws[1]) {
    throw std::invalid_argument("addmm: base " + shape_str(base.shape()) + " + a " + shape_str(a.shape()) + " x W " +
                                shape_str(W.shape()) + " (needs base (N,G), a (N,K), W (K,G))");
  }
  const std::size_t n = as[0], k = as[1], g = ws[1];
  Tensor<T> y = base.data();
  if (n && g && k) blas::gemm<T>(false, false, n, g, k, T(1), a.data().data(), k, W.data().data(), g, T(1), y.data(), g);
  return record<T>("addmm", std::move(y), {base, a, W}, [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
    Grads<T> grads = make_grads<T>(3);
    if (in[0].requires_grad()) grads[0] = gy;
    if (in[1].requires_grad()) grads[1] = matmul(gy, in[2], false, true);  // (N,G)·(K,G)ᵀ -> (N,K)
    if (in[2].requires_grad()) grads[2] = matmul(in[1], gy, true, false);  // (N,K)ᵀ·(N,G) -> (K,G)
    return grads;
  });
}

template Variable<float> matmul<float>(const Variable<float>&, const Variable<float>&, bool, bool);
template Variable<double> matmul<double>(const Variable<double>&, const Variable<double>&, bool, bool);
template Variable<float> linear<float>(const Variable<float>&, const Variable<float>&, const Variable<float>&);
template Variable<double> linear<double>(const Variable<double>&, const Variable<double>&, const Variable<double>&);
template Variable<float> addmm<float>(const Variable<float>&, const Variable<float>&, const Variable<float>&);
template Variable<double> addmm<double>(const Variable<double>&, const Variable<double>&, const Variable<double>&);

}  // namespace minidl
