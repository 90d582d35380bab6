#pragma once
// Per-parameter optimizer state (velocities, squared-gradient sums, moments): one tensor per
// parameter, created as zeros the first time that parameter is updated and reused afterwards.

#include <cstddef>
#include <vector>

#include "minidl/core/tensor.hpp"

namespace minidl::detail {

/// The state tensor of parameter `index` out of `count`, shaped like `like`: zeros on first use
/// (or if the parameter's shape changed, e.g. after loading a checkpoint of another shape), the
/// same buffer on every later call.
template <typename T>
Tensor<T>& state_slot(std::vector<Tensor<T>>& states, std::size_t count, std::size_t index, const Tensor<T>& like) {
  if (states.size() < count) states.resize(count);
  Tensor<T>& s = states[index];
  if (s.shape() != like.shape()) {
    s = Tensor<T>::from_shape(like.shape());
    s.fill(T(0));
  }
  return s;
}

}  // namespace minidl::detail
