#pragma once
// Weight initialisation (the book's chapter 6): all draws come from a seeded Generator.

#include "minidl/core/random.hpp"
#include "minidl/core/tensor.hpp"

namespace minidl {

/// How a weight matrix is initialised.
enum class Init {
  Std,     ///< N(0, std²) with a fixed std (the book's weight_init_std = 0.01); named "std" everywhere.
  Xavier,  ///< N(0, 1/fan_in): suits sigmoid and tanh.
  He,      ///< N(0, 2/fan_in): suits ReLU.
};

/// Parses "std", "xavier", "he" (case-insensitive); throws std::invalid_argument otherwise.
Init parse_init(const std::string& name);
/// The name parse_init accepts for this kind.
const char* init_name(Init init);

/// A weight tensor of `shape` drawn for a layer with `fan_in` inputs. `stddev` is used only by
/// Init::Std.
template <typename T>
Tensor<T> init_weight(const Shape& shape, std::size_t fan_in, Init init, Generator& gen, double stddev = 0.01);

}  // namespace minidl
