#include "minidl/viz/pictures.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minidl/viz/font.hpp"

namespace minidl::viz {

namespace {

constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGrey{110, 110, 110};

void fill(Image& img, std::size_t x0, std::size_t y0, std::size_t w, std::size_t h, Rgb c) {
  for (std::size_t y = y0; y < std::min(img.height, y0 + h); ++y)
    for (std::size_t x = x0; x < std::min(img.width, x0 + w); ++x)
      img.at(x, y, 0) = c.r, img.at(x, y, 1) = c.g, img.at(x, y, 2) = c.b;
}

Image white_sheet(std::size_t w, std::size_t h) {
  Image img = Image::blank(w, h, 3);
  std::fill(img.pixels.begin(), img.pixels.end(), std::uint8_t{255});
  return img;
}

}  // namespace

Image confusion_heatmap(const ConfusionMatrix& cm) {
  const std::size_t n = cm.classes();
  std::size_t digits = std::to_string(n - 1).size();
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t p = 0; p < n; ++p) digits = std::max(digits, std::to_string(cm.count(t, p)).size());
  const std::size_t cell = std::max<std::size_t>(28, text_width(std::string(digits, '0')) + 8);
  const std::size_t margin = 14, label = text_width(std::string(std::to_string(n - 1).size() + 1, '0'));
  // Left: the "TRUE" caption (drawn in one column of letters) and row labels; top: "PREDICTED" and
  // column labels.
  const std::size_t left = margin + kGlyphWidth + 6 + label + 4;
  const std::size_t top = margin + kGlyphHeight + 6 + kGlyphHeight + 4;
  Image img = white_sheet(left + n * cell + margin, top + n * cell + margin);
  const std::string predicted = "PREDICTED";
  draw_text(img, left + (n * cell - std::min(n * cell, text_width(predicted))) / 2, margin, predicted, kBlack);
  const std::string truth = "TRUE";
  const std::size_t truth_top = top + (n * cell - std::min(n * cell, truth.size() * (kGlyphHeight + 2))) / 2;
  for (std::size_t i = 0; i < truth.size(); ++i)
    draw_text(img, margin, truth_top + i * (kGlyphHeight + 2), std::string(1, truth[i]), kBlack);
  for (std::size_t c = 0; c < n; ++c) {
    const std::string s = std::to_string(c);
    draw_text(img, left + c * cell + (cell - text_width(s)) / 2, top - kGlyphHeight - 4, s, kBlack);
    draw_text(img, left - 4 - text_width(s), top + c * cell + (cell - kGlyphHeight) / 2, s, kBlack);
  }
  for (std::size_t t = 0; t < n; ++t) {
    const std::size_t row = cm.support(t);
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t k = cm.count(t, p);
      const double share = row ? std::sqrt(static_cast<double>(k) / static_cast<double>(row)) : 0.0;
      // White (share 0) to a deep blue (share 1).
      const auto mix = [&](double to) { return static_cast<std::uint8_t>(std::lround(255 + (to - 255) * share)); };
      const Rgb colour{mix(8), mix(48), mix(107)};
      fill(img, left + p * cell, top + t * cell, cell, cell, colour);
      if (k == 0) continue;
      const std::string s = std::to_string(k);
      draw_text(img, left + p * cell + (cell - text_width(s)) / 2, top + t * cell + (cell - kGlyphHeight) / 2, s,
                share > 0.5 ? kWhite : kBlack);
    }
  }
  // A thin frame around the cells.
  fill(img, left - 1, top - 1, n * cell + 2, 1, kGrey), fill(img, left - 1, top + n * cell, n * cell + 2, 1, kGrey);
  fill(img, left - 1, top - 1, 1, n * cell + 2, kGrey), fill(img, left + n * cell, top - 1, 1, n * cell + 2, kGrey);
  return img;
}

Image image_grid(const std::vector<Tile>& tiles, std::size_t columns, std::size_t zoom, const std::string& title) {
  if (tiles.empty()) throw std::invalid_argument("image_grid: no tiles");
  if (columns == 0 || zoom == 0) throw std::invalid_argument("image_grid: columns and zoom must be positive");
  std::size_t tw = 0, th = 0, caption_w = 0;
  bool captions = false;
  for (const Tile& t : tiles) {
    if (t.image.width == 0 || t.image.height == 0 || (t.image.channels != 1 && t.image.channels != 3) ||
        t.image.pixels.size() != t.image.width * t.image.height * t.image.channels)
      throw std::invalid_argument("image_grid: a tile is empty or neither grey nor RGB (" + std::to_string(t.image.width) +
                                  "x" + std::to_string(t.image.height) + "x" + std::to_string(t.image.channels) + ")");
    tw = std::max(tw, t.image.width * zoom), th = std::max(th, t.image.height * zoom);
    caption_w = std::max(caption_w, text_width(t.caption));
    captions = captions || !t.caption.empty();
  }
  const std::size_t gap = 6, cell_w = std::max(tw, caption_w), cell_h = th + (captions ? kGlyphHeight + 4 : 0);
  const std::size_t cols = std::min(columns, tiles.size()), rows = (tiles.size() + cols - 1) / cols;
  const std::size_t title_h = title.empty() ? 0 : kGlyphHeight + gap;
  Image img = white_sheet(gap + cols * (cell_w + gap), gap + title_h + rows * (cell_h + gap));
  if (!title.empty()) draw_text(img, gap, gap, title, kBlack);
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const Tile& t = tiles[i];
    const std::size_t x0 = gap + (i % cols) * (cell_w + gap) + (cell_w - t.image.width * zoom) / 2;
    const std::size_t y0 = gap + title_h + (i / cols) * (cell_h + gap);
    for (std::size_t y = 0; y < t.image.height * zoom; ++y)
      for (std::size_t x = 0; x < t.image.width * zoom; ++x)
        for (std::size_t c = 0; c < 3; ++c)
          img.at(x0 + x, y0 + y, c) = t.image.at(x / zoom, y / zoom, t.image.channels == 3 ? c : 0);
    if (!t.caption.empty())
      draw_text(img, gap + (i % cols) * (cell_w + gap) + (cell_w - text_width(t.caption)) / 2, y0 + th + 3, t.caption,
                kBlack);
  }
  return img;
}

std::vector<Tile> filter_tiles(const Tensor<float>& weight) {
  if (weight.dimension() != 4 || weight.size() == 0) {
    std::string shape;
    for (std::size_t d : weight.shape()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    throw std::invalid_argument("filter_tiles: expected a convolution weight (FN,C,FH,FW), got (" + shape + ")");
  }
  const std::size_t fn = weight.shape()[0], ch = weight.shape()[1], fh = weight.shape()[2], fw = weight.shape()[3];
  std::vector<Tile> tiles;
  for (std::size_t f = 0; f < fn; ++f)
    for (std::size_t c = 0; c < ch; ++c) {
      const float* w = weight.data() + (f * ch + c) * fh * fw;
      const auto [lo, hi] = std::minmax_element(w, w + fh * fw);
      const double range = static_cast<double>(*hi) - static_cast<double>(*lo);
      Tile t{Image::blank(fw, fh, 1), ""};
      for (std::size_t i = 0; i < fh * fw; ++i)
        t.image.pixels[i] = range > 0 ? static_cast<std::uint8_t>(std::lround(255 * (w[i] - *lo) / range)) : 128;
      tiles.push_back(std::move(t));
    }
  return tiles;
}

}  // namespace minidl::viz
