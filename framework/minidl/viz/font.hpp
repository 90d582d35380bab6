#pragma once
// A 5x7 pixel font for labels on the pictures minidl draws (confusion matrix, image grids), so
// they need no font library. Digits, letters (drawn as capitals) and . , : / % - + ( ) = # and space.

#include <cstddef>
#include <cstdint>
#include <string>

#include "minidl/io/image.hpp"

namespace minidl::viz {

/// Glyph cell: 5 px wide plus 1 px spacing, 7 px high (times the scale).
constexpr std::size_t kGlyphWidth = 5, kGlyphHeight = 7, kGlyphAdvance = 6;

/// Width in pixels of `text` drawn at `scale`.
std::size_t text_width(const std::string& text, std::size_t scale = 1);

/// An RGB colour.
struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
};

/// Draws `text` with its top-left corner at (x, y), each font pixel a scale x scale square, into a
/// grey (1-channel: the colour's green) or RGB (3-channel) image. Pixels falling outside are
/// clipped. Characters without a glyph are drawn as a box, so a missing one is visible.
void draw_text(Image& image, std::size_t x, std::size_t y, const std::string& text, Rgb colour,
               std::size_t scale = 1);

}  // namespace minidl::viz
