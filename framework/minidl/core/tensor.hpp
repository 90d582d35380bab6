#pragma once
// Tensor: the evaluated n-d array every Variable holds. minidl uses xtensor's row-major xarray, so a
// Tensor is always a materialised buffer, never a lazy expression (those can dangle once stored).
// Its buffer comes from the tensor-buffer cache (detail/buffer_pool.hpp), so a steady-state training
// step reuses the previous step's blocks instead of calling the system allocator.

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xarray.hpp>

#include "minidl/detail/buffer_pool.hpp"
#include "minidl/detail/simd_contract.hpp"

#if defined(XTENSOR_USE_XSIMD)
namespace xsimd {
// Pooled blocks are kBufferAlignment-aligned, so xtensor may use aligned SIMD loads and stores on
// them, as it does for its own aligned allocator.
template <class T>
struct allocator_alignment<minidl::pool_detail::PoolAllocator<T>> {
  using type = aligned_mode;
};
}  // namespace xsimd
#endif

namespace minidl {

/// An evaluated, row-major, dynamically-ranked array of T (float for training, double for checks).
template <typename T>
using Tensor = xt::xarray<T, xt::layout_type::row_major, PoolAllocator<T>>;

#if defined(XTENSOR_USE_XSIMD)
static_assert(kBufferAlignment % XSIMD_DEFAULT_ALIGNMENT == 0,
              "pooled tensor buffers must satisfy xsimd's aligned loads");
#endif

/// A tensor shape: one extent per axis. An empty Shape is a scalar (0-d) tensor.
using Shape = std::vector<std::size_t>;

/// The shape a Tensor stores (`t.shape()`): xtensor's small vector, holding up to four extents
/// without a heap allocation. Hot paths read it in place rather than copying it into a Shape.
using TensorShape = Tensor<float>::shape_type;
static_assert(std::is_same_v<TensorShape, Tensor<double>::shape_type>, "one shape type for every tensor");

/// Converts any xtensor shape container (svector, array, ...) to a Shape.
template <typename S>
Shape to_shape(const S& s) {
  return Shape(s.begin(), s.end());
}

/// Formats a shape as "(100,784)"; a scalar prints as "()".
std::string shape_str(const Shape& shape);

/// Number of elements a tensor of this shape holds (1 for a scalar).
std::size_t shape_size(const Shape& shape);

/// "float32" or "float64": the name users see in printing and graph exports.
template <typename T>
const char* dtype_name();

/// Builds an uninitialised-then-zeroed tensor of a given shape. Prefer this to Tensor<T>(shape),
/// which for a brace list is a 1-D array of those values, not a shape.
template <typename T>
Tensor<T> zeros_tensor(const Shape& shape);

/// A tensor of the given shape filled with value.
template <typename T>
Tensor<T> full_tensor(const Shape& shape, T value);

}  // namespace minidl
