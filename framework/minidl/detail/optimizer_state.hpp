#pragma once
// Per-parameter optimizer state (velocities, squared-gradient sums, moments): one tensor per
// parameter, created as zeros the first time that parameter is updated and reused afterwards.

#include <cstddef>
#include <vector>

#include "minidl/core/tensor.hpp"

namespace minidl::detail {

/// A slot not created yet: shape (0), which differs from every parameter shape that holds data.
/// (A default tensor would not do: it is 0-d, the shape of a scalar parameter, so a scalar's slot
/// would count as created and never be zeroed.)
template <typename T>
Tensor<T> unused_slot() {
  return Tensor<T>::from_shape({0});
}

/// The state tensor of parameter `index` out of `count`, shaped like `like`: zeros on first use
/// (or if the parameter's shape changed, e.g. after loading a checkpoint of another shape), the
/// same buffer on every later call.
template <typename T>
Tensor<T>& state_slot(std::vector<Tensor<T>>& states, std::size_t count, std::size_t index, const Tensor<T>& like) {
  if (states.size() < count) states.resize(count, unused_slot<T>());
  Tensor<T>& s = states[index];
  if (s.shape() != like.shape()) {
    s = Tensor<T>::from_shape(like.shape());
    s.fill(T(0));
  }
  return s;
}

}  // namespace minidl::detail
