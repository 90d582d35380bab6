#pragma once
// im2col / col2im: the index-heavy kernels behind conv2d, written over raw pointers (xtensor views
// were several times slower for this kind of loop), plus the reused column workspace.
//
// Layout. The input is (N,C,H,W) and filters are (FN,C,FH,FW), as in the book. The column matrix
// is stored as the TRANSPOSE of the book's: col has shape (C*FH*FW, N*OH*OW), row r = (c,kh,kw),
// column j = (n,oh,ow), col[r, j] = x_padded[n, c, oh*stride + kh, ow*stride + kw]. The book's
// (N*OH*OW, C*FH*FW) matrix is colᵀ. This orientation makes the innermost loop run along one
// image row for a fixed (c,kh,kw), so with stride 1 it is a contiguous copy. conv2d calls these
// kernels one sample at a time (N = 1): each GEMM W(FN, C*FH*FW) · col(C*FH*FW, OH*OW) then writes
// that sample's (FN, OH*OW) output block in place, without transposing anything.

#include <cstddef>

#include "minidl/core/tensor.hpp"

namespace minidl {

/// The sizes of one 2-D convolution (or pooling) window sweep over an (N,C,H,W) input.
///   OH = (H + 2*pad - FH) / stride + 1,  OW = (W + 2*pad - FW) / stride + 1.
struct ConvGeometry {
  std::size_t N = 0, C = 0, H = 0, W = 0;   ///< input (N,C,H,W)
  std::size_t FH = 0, FW = 0;               ///< window (filter) height and width
  std::size_t stride = 1, pad = 0;          ///< same stride and zero padding on both axes
  std::size_t OH = 0, OW = 0;               ///< output height and width

  /// Rows of the column matrix: C*FH*FW (one per filter tap).
  std::size_t col_rows() const { return C * FH * FW; }
  /// Columns of the column matrix: N*OH*OW (one per output position).
  std::size_t col_cols() const { return N * OH * OW; }
};

/// Checks an (N,C,H,W) input against an FH x FW window with `stride` and `pad` and returns the
/// geometry. Throws std::invalid_argument naming `op` and the shapes when x is not 4-D, the window
/// or stride is zero, or the padded input is smaller than the window
/// ("conv2d: input (N,C,H,W)=(1,1,3,3) is smaller than the 5x5 window with pad 0").
ConvGeometry conv_geometry(const char* op, const Shape& x_shape, std::size_t FH, std::size_t FW, std::size_t stride,
                           std::size_t pad);
/// conv_geometry for a tensor's own shape, read in place (no Shape copy per op).
ConvGeometry conv_geometry_of(const char* op, const TensorShape& x_shape, std::size_t FH, std::size_t FW,
                              std::size_t stride, std::size_t pad);

/// conv_geometry_of for a Shape, so that code generic in the shape container calls one name.
inline ConvGeometry conv_geometry_of(const char* op, const Shape& x_shape, std::size_t FH, std::size_t FW,
                                     std::size_t stride, std::size_t pad) {
  return conv_geometry(op, x_shape, FH, FW, stride, pad);
}

/// Writes the column matrix of x (N,C,H,W) into col (C*FH*FW, N*OH*OW), zero where a window
/// covers padding. Every element of col is written.
template <typename T>
void im2col(const T* x, const ConvGeometry& g, T* col);

/// The adjoint of im2col: x[n,c,h,w] += every col entry that im2col copied from that element
/// (entries that came from padding are dropped). Accumulates: zero x first for a plain scatter.
template <typename T>
void col2im(const T* col, const ConvGeometry& g, T* x);

// ---- the reused workspace -----------------------------------------------------------------------

/// The calling thread's column buffer, of at least `count` elements, starting on a 64-byte (cache
/// line) boundary: conv2d and its backward ops put the column matrix of one sample (C*FH*FW, OH*OW)
/// there, so it stays in cache.
///
/// Lifetime: the buffer lives until the thread exits or release_conv_workspace() is called. It only
/// grows (reallocated when a larger size is asked for, never for an equal or smaller one), so a
/// training loop with fixed image shapes allocates it once, whatever its batch sizes. Its contents
/// are valid only until the next conv op on the same thread: no op keeps data in it across calls,
/// which is why conv2d's backward recomputes im2col instead of reading the forward's columns
/// (another forward may have run since).
template <typename T>
T* conv_workspace(std::size_t count);

/// How many times any thread's conv workspace has been (re)allocated: stays constant while shapes
/// repeat (tests check this).
std::size_t conv_workspace_allocations();

/// Current capacity in elements of the calling thread's buffer for element type T.
template <typename T>
std::size_t conv_workspace_capacity();

/// Frees the calling thread's workspaces (e.g. after evaluating with a huge batch).
void release_conv_workspace();

}  // namespace minidl
