// The pictures evaluate draws: font, confusion heat map, image grid, convolution filters.
#include <catch2/catch.hpp>

#include <minidl/viz/font.hpp>
#include <minidl/viz/pictures.hpp>

using namespace minidl;

namespace {
std::size_t inked(const Image& img) {
  std::size_t n = 0;
  for (std::uint8_t v : img.pixels) n += v != 0;
  return n;
}
}  // namespace

TEST_CASE("draw_text draws the 5x7 glyphs, scaled and clipped", "[viz]") {
  REQUIRE(viz::text_width("T7") == 11);
  REQUIRE(viz::text_width("T7", 2) == 22);
  REQUIRE(viz::text_width("") == 0);
  Image img = Image::blank(12, 8, 1);
  viz::draw_text(img, 0, 0, "1", {0, 255, 0});
  // '1': row 0 "  #  ", row 6 " ### ": 2 + ... pixels; the first row has exactly one at x = 2.
  REQUIRE(img.at(2, 0) == 255);
  REQUIRE(img.at(1, 0) == 0);
  REQUIRE(img.at(1, 6) == 255);
  REQUIRE(img.at(3, 6) == 255);
  REQUIRE(inked(img) == 10);
  Image big = Image::blank(12, 16, 3);
  viz::draw_text(big, 0, 0, "1", {255, 0, 0}, 2);
  REQUIRE(big.at(4, 0, 0) == 255);  // glyph pixel (2, 0) covers (4..5, 0..1)
  REQUIRE(big.at(5, 1, 0) == 255);
  REQUIRE(big.at(4, 0, 1) == 0);    // red only
  Image tiny = Image::blank(3, 3, 1);
  viz::draw_text(tiny, 1, 1, "88", {0, 255, 0});  // mostly outside: clipped, no crash
  REQUIRE(inked(tiny) > 0);
  Image unknown = Image::blank(6, 8, 1);
  viz::draw_text(unknown, 0, 0, "~", {0, 255, 0});
  REQUIRE(inked(unknown) == 5 + 5 + 2 * 5);  // a box: top, bottom and two sides
}

TEST_CASE("confusion_heatmap colours cells by their share of the row", "[viz]") {
  ConfusionMatrix cm(3);
  for (int i = 0; i < 100; ++i) cm.add(0, 0);
  cm.add(1, 2);
  const Image img = viz::confusion_heatmap(cm);
  REQUIRE(img.channels == 3);
  REQUIRE(img.width > 3 * 28);
  REQUIRE(img.height > 3 * 28);
  // Find the cells by colour: the darkest blue (share 1: rows 0 and 1 have a single column each)
  // and white (no count).
  std::size_t deep = 0, white = 0;
  for (std::size_t i = 0; i < img.width * img.height; ++i) {
    const std::uint8_t* p = &img.pixels[i * 3];
    deep += p[0] == 8 && p[1] == 48 && p[2] == 107;
    white += p[0] == 255 && p[1] == 255 && p[2] == 255;
  }
  REQUIRE(deep > 2 * 28 * 28 / 2);  // two full-share cells, less their white numbers
  REQUIRE(white > 7 * 28 * 28);     // seven empty cells plus the margins
}

TEST_CASE("image_grid lays tiles out in rows with captions", "[viz]") {
  std::vector<viz::Tile> tiles;
  for (int i = 0; i < 5; ++i) {
    viz::Tile t{Image::blank(4, 3, 1), "T" + std::to_string(i)};
    t.image.at(0, 0) = 200;
    tiles.push_back(t);
  }
  const Image grid = viz::image_grid(tiles, 2, 5, "TITLE");
  REQUIRE(grid.channels == 3);
  // 2 columns of cells 20 px wide (4 x zoom 5; captions are 11 px) with 6 px gaps; 3 rows.
  REQUIRE(grid.width == 6 + 2 * (20 + 6));
  REQUIRE(grid.height == 6 + (7 + 6) + 3 * (15 + 7 + 4 + 6));
  // The first tile's (0,0) pixel, zoomed 5x, at the top-left of the first cell below the title.
  REQUIRE(grid.at(6, 6 + 13, 0) == 200);
  REQUIRE(grid.at(10, 6 + 13 + 4, 1) == 200);
  REQUIRE(grid.at(11, 6 + 13, 1) == 0);
  REQUIRE_THROWS_AS(viz::image_grid({}, 2, 1), std::invalid_argument);
  REQUIRE_THROWS_AS(viz::image_grid(tiles, 0, 1), std::invalid_argument);
  REQUIRE_THROWS_AS(viz::image_grid({viz::Tile{Image::blank(2, 2, 2), ""}}, 1, 1), std::invalid_argument);
}

TEST_CASE("filter_tiles scales each filter from its own minimum to its maximum", "[viz]") {
  Tensor<float> w = Tensor<float>::from_shape({2, 1, 2, 2});
  // Filter 0 spans [-1, 3]; filter 1 is constant.
  w(0, 0, 0, 0) = -1, w(0, 0, 0, 1) = 1, w(0, 0, 1, 0) = 3, w(0, 0, 1, 1) = 0;
  w(1, 0, 0, 0) = w(1, 0, 0, 1) = w(1, 0, 1, 0) = w(1, 0, 1, 1) = 0.5f;
  const std::vector<viz::Tile> tiles = viz::filter_tiles(w);
  REQUIRE(tiles.size() == 2);
  REQUIRE(tiles[0].image.pixels == std::vector<std::uint8_t>{0, 128, 255, 64});
  REQUIRE(tiles[1].image.pixels == std::vector<std::uint8_t>{128, 128, 128, 128});
  REQUIRE_THROWS_WITH(viz::filter_tiles(Tensor<float>::from_shape({3, 4})),
                      Catch::Contains("expected a convolution weight (FN,C,FH,FW), got (3,4)"));
}
