#include "minidl/viz/attention_map.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minidl/viz/font.hpp"

namespace minidl::viz {

Image attention_heatmap(const Tensor<float>& weights, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, std::size_t cell) {
  if (weights.dimension() != 2 || weights.size() == 0) {
    throw std::invalid_argument("attention_heatmap: weights must be (L,S) and non-empty, got " +
                                shape_str(to_shape(weights.shape())));
  }
  const std::size_t rows = weights.shape(0), cols = weights.shape(1);
  if (inputs.size() != cols || outputs.size() != rows) {
    throw std::invalid_argument("attention_heatmap: weights " + shape_str(to_shape(weights.shape())) + " need " +
                                std::to_string(cols) + " input and " + std::to_string(rows) + " output labels, got " +
                                std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
  }
  if (cell < kGlyphHeight + 1) throw std::invalid_argument("attention_heatmap: cell must be at least 8 pixels");
  std::size_t label_w = 0;
  for (const std::string& s : outputs) label_w = std::max(label_w, text_width(s));
  const std::size_t margin = 6, left = margin + label_w + 4, top = margin + kGlyphHeight + 4;
  Image img = Image::blank(left + cols * cell + margin, top + rows * cell + margin, 3);
  std::fill(img.pixels.begin(), img.pixels.end(), std::uint8_t{255});
  const Rgb black{0, 0, 0};
  for (std::size_t c = 0; c < cols; ++c) {
    draw_text(img, left + c * cell + (cell - std::min(cell, text_width(inputs[c]))) / 2, margin, inputs[c], black);
  }
  for (std::size_t r = 0; r < rows; ++r) {
    draw_text(img, left - 4 - text_width(outputs[r]), top + r * cell + (cell - kGlyphHeight) / 2, outputs[r], black);
    for (std::size_t c = 0; c < cols; ++c) {
      const double w = std::clamp(static_cast<double>(weights(r, c)), 0.0, 1.0);
      const auto v = static_cast<std::uint8_t>(std::lround(255.0 * w));
      for (std::size_t y = top + r * cell; y < top + (r + 1) * cell; ++y) {
        for (std::size_t x = left + c * cell; x < left + (c + 1) * cell; ++x) {
          img.at(x, y, 0) = v, img.at(x, y, 1) = v, img.at(x, y, 2) = v;
        }
      }
    }
  }
  return img;
}

}  // namespace minidl::viz
