#pragma once
// 2-D convolution (the book's chapter 7 Convolution layer) as a recorded, twice-differentiable op.
//
// Shapes follow the book: input x (N,C,H,W), filters W (FN,C,FH,FW), bias b (FN), the same stride
// and zero padding on both spatial axes, output y (N,FN,OH,OW) with
//   OH = (H + 2*pad - FH) / stride + 1,   OW = (W + 2*pad - FW) / stride + 1.
//
// Implementation: a sample at a time, im2col into a reused thread-local column buffer (see
// detail/im2col.hpp for its layout and lifetime), one GEMM through blas::gemm into that sample's
// output block, then the bias. The backward is three recorded ops: conv2d_backward_input (a
// transposed convolution: GEMM + col2im), conv2d_backward_weight (im2col + GEMM) and the bias
// gradient (a sum over N, OH, OW, computed in the same pass as the weight gradient), whose own
// backwards are again conv ops or broadcasts. So conv2d supports create_graph and second
// derivatives (gradgradcheck passes) with the same kernels plain backward runs.
//
// Buffer lifetime: no conv op keeps data in the shared buffer between calls. The backward of a
// conv2d node recomputes im2col of its input (which the node owns) rather than relying on the
// columns of its forward, because other forwards may have overwritten the buffer since.

#include <cstddef>

#include "minidl/core/variable.hpp"

namespace minidl {

/// y[n,f,oh,ow] = b[f] + Σ_{c,kh,kw} W[f,c,kh,kw] · x_pad[n, c, oh*stride + kh, ow*stride + kw]
/// (cross-correlation, as every framework and the book compute it; x_pad is x with `pad` zeros on
/// each side of H and W).
///   x (N,C,H,W), W (FN,C,FH,FW), b (FN) -> y (N,FN,OH,OW).
/// `b` may be an undefined Variable: no bias.
/// Backward: gx = conv2d_backward_input(gy, W, x.shape), gW = conv2d_backward_weight(x, gy, W.shape),
/// gb = Σ_{n,oh,ow} gy.
/// Throws std::invalid_argument naming the shapes, e.g.
/// "conv2d: input (N,C,H,W)=(2,3,28,28) but W (FN,C,FH,FW)=(30,1,5,5) expects C=1".
template <typename T>
Variable<T> conv2d(const Variable<T>& x, const Variable<T>& W, const Variable<T>& b, std::size_t stride = 1,
                   std::size_t pad = 0);

/// The gradient of conv2d with respect to its input: a transposed convolution.
///   gx = col2im(Wᵀ · gyᵀ),  gy (N,FN,OH,OW), W (FN,C,FH,FW) -> gx `x_shape` (N,C,H,W).
/// It is the adjoint of x ↦ conv2d(x, W): <conv2d_backward_input(gy, W), v> = <gy, conv2d(v, W)>.
/// Backward (bilinear in gy and W): d/dgy = conv2d(G, W), d/dW = conv2d_backward_weight(G, gy).
/// `x_shape` is needed because with stride > 1 several input sizes give the same output size.
template <typename T>
Variable<T> conv2d_backward_input(const Variable<T>& gy, const Variable<T>& W, const Shape& x_shape,
                                  std::size_t stride, std::size_t pad);

/// The gradient of conv2d with respect to its filters:
///   gW = gyᵀ · colᵀ,  x (N,C,H,W), gy (N,FN,OH,OW) -> gW `w_shape` (FN,C,FH,FW).
/// <conv2d_backward_weight(x, gy), V> = <gy, conv2d(x, V)>.
/// Backward (bilinear in x and gy): d/dx = conv2d_backward_input(gy, H), d/dgy = conv2d(x, H).
template <typename T>
Variable<T> conv2d_backward_weight(const Variable<T>& x, const Variable<T>& gy, const Shape& w_shape,
                                   std::size_t stride, std::size_t pad);

}  // namespace minidl
