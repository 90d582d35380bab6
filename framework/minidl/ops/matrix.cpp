#include "minidl/ops/matrix.hpp"

#include <stdexcept>

#include "minidl/core/record.hpp"
#include "minidl/detail/blas.hpp"
#include "minidl/detail/matmul_as.hpp"
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

namespace detail {

namespace {

std::string view_str(const TensorShape& s, MatrixView v, bool t) {
  return shape_str(to_shape(s)) + " read as (" + std::to_string(v.rows) + "," + std::to_string(v.cols) + ")" +
         (t ? "ᵀ" : "");
}

}  // namespace

template <typename T>
Variable<T> matmul_as(const Variable<T>& a, MatrixView av, const Variable<T>& b, MatrixView bv, bool ta, bool tb,
                      const TensorShape& shape) {
  const std::size_t m = ta ? av.cols : av.rows, k = ta ? av.rows : av.cols;
  const std::size_t kb = tb ? bv.cols : bv.rows, n = tb ? bv.rows : bv.cols;
  std::size_t out = 1;
  for (std::size_t e : shape) out *= e;
  if (av.rows * av.cols != a.size() || bv.rows * bv.cols != b.size() || k != kb || out != m * n) {
    throw std::invalid_argument("matmul_as: " + view_str(a.data().shape(), av, ta) + " x " +
                                view_str(b.data().shape(), bv, tb) + " into " + shape_str(to_shape(shape)) +
                                " (each read must cover its tensor, the inner extents must agree and the result "
                                "must have " + std::to_string(m) + "x" + std::to_string(n) + " values)");
  }
  Tensor<T> y = Tensor<T>::from_shape(shape);
  blas::gemm<T>(ta, tb, m, n, k, T(1), a.data().data(), av.cols, b.data().data(), bv.cols, T(0), y.data(), n);
  return record<T>("matmul_as", std::move(y), {a, b},
                   [av, bv, ta, tb, m, n](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     // matmul's backward on the same reads, with gy read as (m,n); each gradient
                     // takes its input's own shape.
                     Grads<T> grads = make_grads<T>(2);
                     const Variable<T>& A = in[0];
                     const Variable<T>& B = in[1];
                     const MatrixView gv{m, n};
                     if (A.requires_grad()) {
                       grads[0] = ta ? matmul_as(B, bv, gy, gv, tb, true, A.data().shape())
                                     : matmul_as(gy, gv, B, bv, false, !tb, A.data().shape());
                     }
                     if (B.requires_grad()) {
                       grads[1] = tb ? matmul_as(gy, gv, A, av, true, ta, B.data().shape())
                                     : matmul_as(A, av, gy, gv, !ta, false, B.data().shape());
                     }
                     return grads;
                   });
}

}  // namespace detail

template <typename T>
Variable<T> linear(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b) {
  const auto &xs = x.data().shape(), &ws = W.data().shape(), &bs = b.data().shape();
  // x is read in place as a matrix of D-wide rows: the last axis when it is D wide, (...,D) ->
  // (...,H); otherwise one row per sample over all axes after the first, (N,...) -> (N,H).
  const std::size_t d = ws.size() == 2 ? ws[0] : 0;
  std::size_t per_sample = 1;
  for (std::size_t i = 1; i < xs.size(); ++i) per_sample *= xs[i];
  const bool by_last = xs.size() >= 2 && xs.back() == d;
  if (ws.size() != 2 || xs.size() < 2 || !(by_last || per_sample == d)) {
    throw std::invalid_argument("linear: x " + shape_str(x.shape()) + " x W " + shape_str(W.shape()) +
                                " (needs W (D,H) and x (N,D), (...,D), or (N,...) with D values per sample)");
  }
  const std::size_t h = ws[1];
  if (!(bs.size() == 1 && bs[0] == h)) {
    throw std::invalid_argument("linear: bias " + shape_str(b.shape()) + " does not match W " + shape_str(W.shape()) +
                                " (needs b (" + std::to_string(h) + "))");
  }
  TensorShape ys(xs.begin(), by_last ? xs.end() - 1 : xs.begin() + 1);
  ys.push_back(h);
  std::size_t n = 1;
  for (std::size_t i = 0; i + 1 < ys.size(); ++i) n *= ys[i];
  Tensor<T> y = Tensor<T>::from_shape(ys);
  // Broadcast b into every row, then accumulate x·W on top with beta = 1.
  const T* pb = b.data().data();
  T* py = y.data();
  for (std::size_t r = 0; r < n; ++r) std::copy(pb, pb + h, py + r * h);
  blas::gemm<T>(false, false, n, h, d, T(1), x.data().data(), d, W.data().data(), h, T(1), py, h);
  return record<T>("linear", std::move(y), {x, W, b},
                   [n, d, h](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     const detail::MatrixView xv{n, d}, wv{d, h}, gv{n, h};
                     Grads<T> grads = make_grads<T>(3);
                     // The bias sum first, while gy is still in cache from the op that wrote it:
                     // each product below streams a matrix of its own through the cache.
                     if (in[2].requires_grad()) grads[2] = sum_to_like(gy, in[2]);  // (...,H) -> (H)
                     if (in[0].requires_grad())  // (n,H)·(D,H)ᵀ -> (n,D), in x's shape
                       grads[0] = detail::matmul_as(gy, gv, in[1], wv, false, true, in[0].data().shape());
                     if (in[1].requires_grad())  // (n,D)ᵀ·(n,H) -> (D,H)
                       grads[1] = detail::matmul_as(in[0], xv, gy, gv, true, false, in[1].data().shape());
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
template Variable<float> detail::matmul_as<float>(const Variable<float>&, detail::MatrixView, const Variable<float>&,
                                                  detail::MatrixView, bool, bool, const TensorShape&);
template Variable<double> detail::matmul_as<double>(const Variable<double>&, detail::MatrixView, const Variable<double>&,
                                                    detail::MatrixView, bool, bool, const TensorShape&);
template Variable<float> addmm<float>(const Variable<float>&, const Variable<float>&, const Variable<float>&);
template Variable<double> addmm<double>(const Variable<double>&, const Variable<double>&, const Variable<double>&);

}  // namespace minidl
