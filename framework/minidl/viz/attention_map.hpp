#pragma once
// A picture of attention weights, as the sequel's chapter 8 draws them: one row per output
// character, one column per input character, each cell's brightness its weight.

#include <cstddef>
#include <string>
#include <vector>

#include "minidl/core/tensor.hpp"
#include "minidl/io/image.hpp"

namespace minidl::viz {

/// weights (L,S), each in [0,1], as an RGB heat map from black (0) to white (1) (the book's grey
/// colour map), cells `cell` pixels square; the input characters label the columns (above), the
/// output characters the rows (left), in the 5x7 font (letters drawn upper-case; a space is left
/// blank). Throws std::invalid_argument when weights is not 2-D and non-empty, the label counts
/// are not S and L, or cell < 8 (too small for a label).
Image attention_heatmap(const Tensor<float>& weights, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, std::size_t cell = 12);

}  // namespace minidl::viz
