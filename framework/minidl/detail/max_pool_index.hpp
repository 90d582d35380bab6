#pragma once
// Max pooling's argmax routing, shared by max_pool2d (ops/pooling.hpp) and the fused
// conv2d_max_pool2d (ops/conv_pool.hpp): the window kernel that finds each maximum and where it
// sits, and the two recorded ops that route a gradient through those positions. Internal to the
// ops; users call max_pool2d or conv2d_max_pool2d.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "minidl/core/variable.hpp"
#include "minidl/detail/buffer_pool.hpp"
#include "minidl/detail/im2col.hpp"

namespace minidl::detail {

/// Where each pooled output's maximum sits: its offset within its own (n,c) input plane. 32 bits
/// (max_pool2d checks the plane size) keep the index half the size of a flat size_t one and let
/// the kernels vectorise alongside float lanes. Planes are laid out as the outputs are, so an
/// index built a sample at a time is the same as one built for the whole batch.
struct ArgmaxIndex {
  /// The offset of an output that routes its gradient to no input: a ReLU fused after the pooling
  /// (conv2d_max_pool2d_relu) cut it off. Never a real offset (planes hold fewer positions).
  static constexpr std::uint32_t kNoInput = 0xFFFFFFFFu;

  PooledArray<std::uint32_t> offset;  ///< one per output element
  std::size_t out_plane = 0;          ///< OH*OW: outputs per plane
  std::size_t in_plane = 0;           ///< H*W: inputs per plane
  bool disjoint = false;              ///< no two windows share an input (stride >= the window)
  bool tiled_2x2 = false;             ///< 2x2 windows, stride 2, no padding, covering every input
  bool has_cuts = false;              ///< some offsets may be kNoInput
  std::size_t out_width = 0;          ///< OW: outputs per row
};

/// A shared, read-only index: a max-pool node and every backward op derived from it hold one.
using ArgmaxIndexPtr = std::shared_ptr<const ArgmaxIndex>;

/// The geometry of max pooling input shape xs (N,C,H,W) with a pool_h x pool_w window, stride
/// and pad, for op `op`. Throws std::invalid_argument naming the op and the shape for a non-4-D
/// input, zero sizes or stride, pad >= the window, a window larger than the padded input, or
/// planes of more than 2^32 positions (the index's range).
ConvGeometry max_pool_geometry(const char* op, const TensorShape& xs, std::size_t pool_h, std::size_t pool_w,
                               std::size_t stride, std::size_t pad);

/// An index for the outputs of pooling geometry g (N*C planes), from the tensor-buffer and
/// small-object caches (no system allocation in steady state).
std::shared_ptr<ArgmaxIndex> make_argmax_index(const ConvGeometry& g);

/// y = max over each pooling window of x (geometry g: N*C planes of H x W, window FH x FW, stride,
/// pad), index = offset of each maximum within its plane (nullptr: not wanted). Ties go to the
/// first maximum in row-major window order, padding never wins, a NaN propagates. Splits planes
/// over minidl's threads when called outside a parallel chunk; the result is the same either way.
template <typename T>
void max_pool_planes(const T* x, const ConvGeometry& g, T* y, std::uint32_t* index);

/// Planes [first, first + count) of scatter_by_index's result, written to y (count * in_plane
/// values, every one written): zeros, then y[off[k]] += x[k] over each plane's outputs except those
/// cut off (kNoInput). Stored as 0 + x[k] when the windows are disjoint: the same value without
/// reading y back; float windows that tile the plane 2x2 are written in one dense pass on AVX-512.
/// The raw kernel, for a caller that consumes the scattered planes at once (the fused conv's weight
/// gradient).
template <typename T>
void scatter_planes(const T* x, const ArgmaxIndex& idx, std::size_t first, std::size_t count, T* y);

/// y = zeros(shape); y[plane, off[k]] += x[k]: routes a pooled gradient x to the argmax positions.
/// Recorded; its backward is gather_by_index.
template <typename T>
Variable<T> scatter_by_index(const Variable<T>& x, const ArgmaxIndexPtr& idx, const TensorShape& shape);

/// y[k] = x[plane, off[k]] (y has `shape`, the pooled shape), 0 where off[k] is kNoInput. Recorded;
/// its backward is scatter_by_index.
template <typename T>
Variable<T> gather_by_index(const Variable<T>& x, const ArgmaxIndexPtr& idx, const TensorShape& shape);

}  // namespace minidl::detail
