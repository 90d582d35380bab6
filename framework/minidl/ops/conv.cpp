#include "minidl/ops/conv.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "minidl/core/blas.hpp"
#include "minidl/core/grad_mode.hpp"
#include "minidl/core/record.hpp"
#include "minidl/ops/im2col.hpp"
#include "minidl/ops/reduction.hpp"

namespace minidl {
namespace {

std::string nchw(const Shape& s) { return "(N,C,H,W)=" + shape_str(s); }

// Validates x against filters of shape ws and returns the geometry.
ConvGeometry check_conv(const char* op, const Shape& xs, const Shape& ws, std::size_t stride, std::size_t pad) {
  if (ws.size() != 4) {
    throw std::invalid_argument(std::string(op) + ": W " + shape_str(ws) + " must be 4-D (FN,C,FH,FW)");
  }
  if (xs.size() != 4) {
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(xs) + " must be 4-D (N,C,H,W)");
  }
  if (xs[1] != ws[1]) {
    throw std::invalid_argument(std::string(op) + ": input " + nchw(xs) + " but W (FN,C,FH,FW)=" + shape_str(ws) +
                                " expects C=" + std::to_string(ws[1]));
  }
  if (ws[0] == 0) throw std::invalid_argument(std::string(op) + ": W " + shape_str(ws) + " has no filters");
  return conv_geometry(op, xs, ws[2], ws[3], stride, pad);
}

// dst (FN, N*P) <- src (N, FN, P): the upstream gradient in the column order of the GEMMs.
template <typename T>
void nfp_to_fnp(const T* src, std::size_t N, std::size_t FN, std::size_t P, T* dst) {
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t f = 0; f < FN; ++f) std::copy(src + (n * FN + f) * P, src + (n * FN + f + 1) * P, dst + (f * N + n) * P);
}

// Forward kernel shared by conv2d (with or without bias).
template <typename T>
Tensor<T> conv_forward(const Tensor<T>& x, const Tensor<T>& w, const T* bias, const ConvGeometry& g) {
  const std::size_t FN = w.shape()[0], CK = g.col_rows(), NP = g.col_cols(), P = g.OH * g.OW;
  T* col = conv_workspace<T>(ConvBuffer::columns, CK * NP);
  im2col(x.data(), g, col);
  T* rows = conv_workspace<T>(ConvBuffer::rows, FN * NP);
  // rows (FN, N*P) = W (FN, C*FH*FW) · col (C*FH*FW, N*P)
  blas::gemm<T>(false, false, FN, NP, CK, T(1), w.data(), CK, col, NP, T(0), rows, NP);
  Tensor<T> y = Tensor<T>::from_shape({g.N, FN, g.OH, g.OW});
  T* py = y.data();
  for (std::size_t n = 0; n < g.N; ++n) {
    for (std::size_t f = 0; f < FN; ++f) {
      const T* src = rows + (f * g.N + n) * P;
      T* dst = py + (n * FN + f) * P;
      const T bf = bias ? bias[f] : T(0);
      for (std::size_t p = 0; p < P; ++p) dst[p] = src[p] + bf;
    }
  }
  return y;
}

template <typename T>
Variable<T> conv2d_impl(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b, std::size_t stride,
                        std::size_t pad) {
  const Shape xs = x.shape(), ws = W.shape();
  const ConvGeometry g = check_conv("conv2d", xs, ws, stride, pad);
  const bool has_bias = b.defined();
  if (has_bias && !(b.ndim() == 1 && b.shape()[0] == ws[0])) {
    throw std::invalid_argument("conv2d: bias " + shape_str(b.shape()) + " does not match W (FN,C,FH,FW)=" +
                                shape_str(ws) + " (needs b (" + std::to_string(ws[0]) + "))");
  }
  Tensor<T> y = conv_forward(x.data(), W.data(), has_bias ? b.data().data() : nullptr, g);
  std::vector<Variable<T>> inputs{x, W};
  if (has_bias) inputs.push_back(b);
  return record<T>("conv2d", std::move(y), std::move(inputs),
                   [stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     Grads<T> grads(in.size());
                     if (in[0].requires_grad()) grads[0] = conv2d_backward_input(gy, in[1], in[0].shape(), stride, pad);
                     if (in[1].requires_grad()) grads[1] = conv2d_backward_weight(in[0], gy, in[1].shape(), stride, pad);
                     if (in.size() == 3 && in[2].requires_grad()) {
                       if (grad_enabled()) {
                         grads[2] = sum(gy, {0, 2, 3});  // differentiable when create_graph is on
                       } else {
                         const Shape s = gy.shape();
                         const std::size_t N = s[0], FN = s[1], P = s[2] * s[3];
                         Tensor<T> gb = zeros_tensor<T>({FN});
                         const T* pg = gy.data().data();
                         for (std::size_t n = 0; n < N; ++n)
                           for (std::size_t f = 0; f < FN; ++f) {
                             T acc = 0;
                             const T* r = pg + (n * FN + f) * P;
                             for (std::size_t p = 0; p < P; ++p) acc += r[p];
                             gb.data()[f] += acc;
                           }
                         grads[2] = Variable<T>(std::move(gb));
                       }
                     }
                     return grads;
                   });
}

// Checks that gy has the output shape conv2d would give for x_shape and w_shape.
void check_gy(const char* op, const Shape& gys, const Shape& xs, const Shape& ws, const ConvGeometry& g) {
  const Shape expect{g.N, ws[0], g.OH, g.OW};
  if (gys != expect) {
    throw std::invalid_argument(std::string(op) + ": gy " + shape_str(gys) + " but input " + nchw(xs) + " and W " +
                                shape_str(ws) + " give output " + shape_str(expect));
  }
}

}  // namespace

template <typename T>
Variable<T> conv2d(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b, std::size_t stride,
                   std::size_t pad) {
  return conv2d_impl(x, W, b, stride, pad);
}

template <typename T>
Variable<T> conv2d_backward_input(const Variable<T>& gy, const Variable<T>& W, const Shape& x_shape,
                                  std::size_t stride, std::size_t pad) {
  const Shape ws = W.shape();
  const ConvGeometry g = check_conv("conv2d_backward_input", x_shape, ws, stride, pad);
  check_gy("conv2d_backward_input", gy.shape(), x_shape, ws, g);
  const std::size_t FN = ws[0], CK = g.col_rows(), NP = g.col_cols(), P = g.OH * g.OW;
  T* gy_rows = conv_workspace<T>(ConvBuffer::rows, FN * NP);
  nfp_to_fnp(gy.data().data(), g.N, FN, P, gy_rows);
  T* gcol = conv_workspace<T>(ConvBuffer::columns, CK * NP);
  // gcol (C*FH*FW, N*P) = Wᵀ (C*FH*FW, FN) · gy_rows (FN, N*P); Wᵀ by flag, not by copy.
  blas::gemm<T>(true, false, CK, NP, FN, T(1), W.data().data(), CK, gy_rows, NP, T(0), gcol, NP);
  Tensor<T> gx = zeros_tensor<T>(x_shape);
  col2im(gcol, g, gx.data());
  return record<T>("conv2d_backward_input", std::move(gx), {gy, W},
                   [stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     Grads<T> grads(2);
                     if (in[0].requires_grad()) grads[0] = conv2d_impl(G, in[1], Variable<T>(), stride, pad);
                     if (in[1].requires_grad()) grads[1] = conv2d_backward_weight(G, in[0], in[1].shape(), stride, pad);
                     return grads;
                   });
}

template <typename T>
Variable<T> conv2d_backward_weight(const Variable<T>& x, const Variable<T>& gy, const Shape& w_shape,
                                   std::size_t stride, std::size_t pad) {
  const Shape xs = x.shape();
  const ConvGeometry g = check_conv("conv2d_backward_weight", xs, w_shape, stride, pad);
  check_gy("conv2d_backward_weight", gy.shape(), xs, w_shape, g);
  const std::size_t FN = w_shape[0], CK = g.col_rows(), NP = g.col_cols(), P = g.OH * g.OW;
  T* col = conv_workspace<T>(ConvBuffer::columns, CK * NP);
  im2col(x.data().data(), g, col);
  T* gy_rows = conv_workspace<T>(ConvBuffer::rows, FN * NP);
  nfp_to_fnp(gy.data().data(), g.N, FN, P, gy_rows);
  Tensor<T> gw = zeros_tensor<T>(w_shape);
  // gW (FN, C*FH*FW) = gy_rows (FN, N*P) · colᵀ (N*P, C*FH*FW)
  if (NP > 0) blas::gemm<T>(false, true, FN, CK, NP, T(1), gy_rows, NP, col, NP, T(0), gw.data(), CK);
  return record<T>("conv2d_backward_weight", std::move(gw), {x, gy},
                   [stride, pad](const Inputs<T>& in, const Variable<T>&, const Variable<T>& H) {
                     Grads<T> grads(2);
                     if (in[0].requires_grad()) grads[0] = conv2d_backward_input(in[1], H, in[0].shape(), stride, pad);
                     if (in[1].requires_grad()) grads[1] = conv2d_impl(in[0], H, Variable<T>(), stride, pad);
                     return grads;
                   });
}

#define MINIDL_CONV_INSTANTIATE(T)                                                                             \
  template Variable<T> conv2d<T>(const Variable<T>&, const Variable<T>&, const Variable<T>&, std::size_t,      \
                                 std::size_t);                                                                 \
  template Variable<T> conv2d_backward_input<T>(const Variable<T>&, const Variable<T>&, const Shape&,          \
                                                std::size_t, std::size_t);                                     \
  template Variable<T> conv2d_backward_weight<T>(const Variable<T>&, const Variable<T>&, const Shape&,         \
                                                 std::size_t, std::size_t);

MINIDL_CONV_INSTANTIATE(float)
MINIDL_CONV_INSTANTIATE(double)
#undef MINIDL_CONV_INSTANTIATE

}  // namespace minidl
