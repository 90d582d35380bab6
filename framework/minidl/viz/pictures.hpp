#pragma once
// The pictures evaluate draws, as images (io/image.hpp writes them as PNG): a confusion matrix
// as a heat map, a grid of labelled images (the most confidently wrong test digits), and the
// filters of a convolution layer (the book's figures 7-24 and 8-11).

#include <cstddef>
#include <string>
#include <vector>

#include "minidl/core/tensor.hpp"
#include "minidl/io/image.hpp"
#include "minidl/train/confusion.hpp"

namespace minidl::viz {

/// The confusion matrix as an RGB heat map: one square cell per (true, predicted) pair with its
/// count written in it, rows true classes (labelled on the left), columns predicted ones (on top).
/// A cell's blue is the square root of its share of the row (its true class), so that the rare
/// confusions, a few per thousand, still show next to a diagonal near 100%; empty cells are white.
Image confusion_heatmap(const ConfusionMatrix& cm);

/// One picture and the caption under it.
struct Tile {
  Image image;          ///< grey (1 channel) or RGB (3 channels)
  std::string caption;  ///< drawn in the 5x7 font (viz/font.hpp); empty for none
};

/// Tiles in rows of `columns`, each enlarged `zoom` times (nearest neighbour: pixels stay visible)
/// on a white RGB sheet, with the caption below each and an optional title above all. Tiles may
/// differ in size (each cell is as large as the largest). Throws std::invalid_argument for no
/// tiles, columns or zoom of 0, or a tile that is empty or neither grey nor RGB.
Image image_grid(const std::vector<Tile>& tiles, std::size_t columns, std::size_t zoom, const std::string& title = "");

/// The filters of a convolution weight W (FN, C, FH, FW) as grey tiles, one per (filter, channel):
/// each scaled on its own from its smallest weight (black) to its largest (white), as the book's
/// filter_show does, so the pattern shows whatever the weights' magnitude. Throws
/// std::invalid_argument when W is not 4-D or has a zero dimension.
std::vector<Tile> filter_tiles(const Tensor<float>& weight);

}  // namespace minidl::viz
