#pragma once
// Locating the first NaN or infinity in a tensor, and naming its position, for the error messages
// of the losses and of anomaly mode.

#include <cstddef>
#include <string>

#include "minidl/core/tensor.hpp"

namespace minidl::detail {

/// Flat (row-major) index of the first NaN or infinity in `t`, or t.size() when all are finite.
template <typename T>
std::size_t first_non_finite(const Tensor<T>& t);

/// "(3,7)": the multi-index of flat element `flat` of a row-major tensor of shape `s`.
std::string flat_index_str(std::size_t flat, const Shape& s);

}  // namespace minidl::detail
