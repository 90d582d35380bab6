// MNIST-style digit preparation on hand-made images: inversion, crop, 20 px box with aspect ratio,
// centre of mass, anti-aliasing, transparency, and images with no digit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <minidl/data/prepare_digit.hpp>

using namespace minidl;

namespace {

// A w x h grey image of `background` with a filled rectangle of `ink`.
Image rect_image(std::size_t w, std::size_t h, std::uint8_t background, std::uint8_t ink, std::size_t x0,
                 std::size_t y0, std::size_t rw, std::size_t rh) {
  Image img = Image::blank(w, h, 1);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      img.at(x, y) = (x >= x0 && x < x0 + rw && y >= y0 && y < y0 + rh) ? ink : background;
  return img;
}

struct Box {
  std::size_t x0, y0, x1, y1;  // inclusive
};

// Bounding box of the non-zero pixels.
Box ink_box(const Image& img) {
  Box b{img.width, img.height, 0, 0};
  for (std::size_t y = 0; y < img.height; ++y)
    for (std::size_t x = 0; x < img.width; ++x)
      if (img.at(x, y)) b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y), b.x1 = std::max(b.x1, x), b.y1 = std::max(b.y1, y);
  return b;
}

// Intensity-weighted centre of mass, in pixel-index coordinates.
std::pair<double, double> centre_of_mass(const Image& img) {
  double m = 0, sx = 0, sy = 0;
  for (std::size_t y = 0; y < img.height; ++y)
    for (std::size_t x = 0; x < img.width; ++x) m += img.at(x, y), sx += img.at(x, y) * double(x), sy += img.at(x, y) * double(y);
  return {sx / m, sy / m};
}

// An "L": a vertical bar and a foot, asymmetric so a flip or transpose would show. Its strokes,
// 3 px of an 18 x 30 box, are 2 px in the 20 px box: inside MNIST's range, so prepare_digit's
// stroke adjustment leaves them alone at any scale.
Image ell(std::size_t scale, std::uint8_t background, std::uint8_t ink, std::size_t ox = 0, std::size_t oy = 0) {
  Image img = Image::blank(40 * scale + ox, 50 * scale + oy, 1);
  std::fill(img.pixels.begin(), img.pixels.end(), background);
  for (std::size_t y = 0; y < 30 * scale; ++y)
    for (std::size_t x = 0; x < 18 * scale; ++x)
      if (x < 3 * scale || y >= 27 * scale) img.at(ox + 10 * scale + x, oy + 10 * scale + y) = ink;
  return img;
}

double mean_abs_diff(const Image& a, const Image& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) s += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return s / double(a.pixels.size());
}

}  // namespace

TEST_CASE("prepare_digit: dark ink on white becomes a 20 px, centred, light-on-black digit", "[digit]") {
  // A 10 x 30 bar, off-centre in a 60 x 45 white page.
  const PreparedDigit d = prepare_digit(rect_image(60, 45, 255, 0, 41, 3, 10, 30));
  REQUIRE(d.inverted);
  REQUIRE(d.crop_x == 41);
  REQUIRE(d.crop_y == 3);
  REQUIRE(d.crop_width == 10);
  REQUIRE(d.crop_height == 30);
  REQUIRE(d.scale == Approx(20.0 / 30));
  REQUIRE(d.image.width == 28);
  REQUIRE(d.image.height == 28);
  REQUIRE(d.image.channels == 1);
  const Box b = ink_box(d.image);
  REQUIRE(b.y1 - b.y0 + 1 == 20);          // the longer side is 20 px
  REQUIRE(b.x1 - b.x0 + 1 == 7);           // 10 * 20/30 = 6.7 -> 7: the aspect ratio is kept
  const auto [cx, cy] = centre_of_mass(d.image);
  REQUIRE(std::abs(cx - 14) <= 0.5);
  REQUIRE(std::abs(cy - 14) <= 0.5);
  REQUIRE(d.image.at(14, 14) == 255);      // full ink inside
  REQUIRE(d.image.at(0, 0) == 0);          // black background
}

TEST_CASE("prepare_digit: light-on-dark input is not inverted and gives the same digit", "[digit]") {
  const PreparedDigit dark_on_light = prepare_digit(ell(1, 255, 0));
  const PreparedDigit light_on_dark = prepare_digit(ell(1, 0, 255));
  REQUIRE(dark_on_light.inverted);
  REQUIRE_FALSE(light_on_dark.inverted);
  REQUIRE(dark_on_light.image.pixels == light_on_dark.image.pixels);
}

TEST_CASE("prepare_digit: grey paper and faded ink are stretched to black and full ink", "[digit]") {
  const PreparedDigit faded = prepare_digit(ell(1, 200, 120));  // grey ink on grey paper
  const PreparedDigit clean = prepare_digit(ell(1, 255, 0));
  REQUIRE(faded.inverted);
  REQUIRE(faded.image.pixels == clean.image.pixels);
}

TEST_CASE("prepare_digit: position and size of the source do not matter", "[digit]") {
  const PreparedDigit small = prepare_digit(ell(1, 255, 0));
  const PreparedDigit big_moved = prepare_digit(ell(4, 255, 0, 300, 17));
  REQUIRE(big_moved.crop_x == 300 + 40);
  REQUIRE(big_moved.crop_y == 17 + 40);
  // The same shape drawn 4x larger elsewhere: the same 28x28 digit up to resampling differences.
  REQUIRE(mean_abs_diff(small.image, big_moved.image) < 6);
  const Box a = ink_box(small.image), b = ink_box(big_moved.image);
  REQUIRE(a.y1 - a.y0 == b.y1 - b.y0);
}

// Stroke width as MNIST's digits are measured (docs/deploy.md): twice the ink's mass over its
// total variation.
double stroke_width(const Image& img) {
  double mass = 0, tv = 0;
  for (std::size_t y = 0; y < img.height; ++y)
    for (std::size_t x = 0; x < img.width; ++x) {
      const double v = img.at(x, y) / 255.0;
      const double dx = (x + 1 < img.width ? img.at(x + 1, y) / 255.0 : 0.0) - v;
      const double dy = (y + 1 < img.height ? img.at(x, y + 1) / 255.0 : 0.0) - v;
      mass += v, tv += std::sqrt(dx * dx + dy * dy);
    }
  return 2 * mass / tv;
}

TEST_CASE("prepare_digit: a fine line in a large image becomes a solid, continuous MNIST stroke", "[digit]") {
  // A one-pixel diagonal line across 400 x 400: point sampling at 20/400 would mostly miss it, and
  // area averaging alone would leave a line at 1/20 of full ink.
  Image img = Image::blank(400, 400, 1);
  std::fill(img.pixels.begin(), img.pixels.end(), std::uint8_t{255});
  for (std::size_t i = 0; i < 400; ++i) img.at(i, i) = 0;
  const PreparedDigit d = prepare_digit(img);
  const Box b = ink_box(d.image);
  REQUIRE(b.x1 - b.x0 + 1 >= 20);
  // Every row of the box holds ink: the line is continuous, not dotted.
  for (std::size_t y = b.y0 + 1; y < b.y1; ++y) {
    int row_max = 0;
    for (std::size_t x = 0; x < 28; ++x) row_max = std::max(row_max, int(d.image.at(x, y)));
    CAPTURE(y);
    REQUIRE(row_max > 0);
  }
  // Dilated in the source until its width is MNIST's: solid ink, not a faint trace.
  REQUIRE(*std::max_element(d.image.pixels.begin(), d.image.pixels.end()) > 200);
  REQUIRE(stroke_width(d.image) > 1.5);
  REQUIRE(stroke_width(d.image) < 3.5);
}

TEST_CASE("prepare_digit: marker-thick strokes are thinned toward MNIST's widths", "[digit]") {
  // An L of 120 px wide strokes in 400 x 400: 6 px in the 20 px box, twice MNIST's 90th percentile.
  Image img = Image::blank(400, 400, 1);
  std::fill(img.pixels.begin(), img.pixels.end(), std::uint8_t{255});
  for (std::size_t y = 0; y < 400; ++y)
    for (std::size_t x = 100; x < 340; ++x)
      if (x < 220 || y >= 280) img.at(x, y) = 0;
  const PreparedDigit d = prepare_digit(img);
  // 6 px before; after: inside MNIST's 2nd-98th percentile (1.5-4.2 px).
  REQUIRE(stroke_width(d.image) < 4.0);
  REQUIRE(stroke_width(d.image) > 1.5);
  // Small sources are left alone: a 32 px tall L (a source pixel is 0.625 box pixels) keeps its
  // 10 px strokes, 6.25 px in the box.
  Image small = Image::blank(32, 32, 1);
  std::fill(small.pixels.begin(), small.pixels.end(), std::uint8_t{255});
  for (std::size_t y = 0; y < 32; ++y)
    for (std::size_t x = 8; x < 28; ++x)
      if (x < 18 || y >= 22) small.at(x, y) = 0;
  REQUIRE(stroke_width(prepare_digit(small).image) > 5.0);
}

TEST_CASE("prepare_digit: faint noise does not widen the crop", "[digit]") {
  Image img = ell(1, 255, 0);
  img.at(0, 0) = 230, img.at(39, 49) = 225, img.at(2, 45) = 235;  // specks 10% of the contrast
  const PreparedDigit d = prepare_digit(img);
  REQUIRE(d.crop_x == 10);
  REQUIRE(d.crop_y == 10);
  REQUIRE(d.crop_width == 18);
  REQUIRE(d.crop_height == 30);
}

TEST_CASE("prepare_digit: colour and transparency", "[digit]") {
  const PreparedDigit grey = prepare_digit(ell(1, 255, 0));
  const Image shape = ell(1, 0, 255);  // 255 where the ink is
  // Black ink on a transparent sheet (RGBA): laid on white, then inverted like paper.
  Image rgba = Image::blank(shape.width, shape.height, 4);
  for (std::size_t i = 0; i < shape.pixels.size(); ++i) rgba.pixels[i * 4 + 3] = shape.pixels[i];
  const PreparedDigit transparent = prepare_digit(rgba);
  REQUIRE(transparent.inverted);
  REQUIRE(transparent.image.pixels == grey.image.pixels);
  // White ink on a transparent sheet (grey + alpha): laid on black.
  Image ga = Image::blank(shape.width, shape.height, 2);
  for (std::size_t i = 0; i < shape.pixels.size(); ++i) ga.pixels[i * 2] = 255, ga.pixels[i * 2 + 1] = shape.pixels[i];
  const PreparedDigit white_ink = prepare_digit(ga);
  REQUIRE_FALSE(white_ink.inverted);
  REQUIRE(white_ink.image.pixels == grey.image.pixels);
  // Dark blue ink on white RGB paper.
  Image rgb = Image::blank(shape.width, shape.height, 3);
  for (std::size_t i = 0; i < shape.pixels.size(); ++i) {
    const bool ink = shape.pixels[i] != 0;
    rgb.pixels[i * 3] = ink ? 20 : 255, rgb.pixels[i * 3 + 1] = ink ? 30 : 255, rgb.pixels[i * 3 + 2] = ink ? 140 : 255;
  }
  REQUIRE(prepare_digit(rgb).image.pixels == grey.image.pixels);
}

TEST_CASE("prepare_digit: no digit, or no image, is an error that says so", "[digit]") {
  REQUIRE_THROWS_WITH(prepare_digit(rect_image(30, 30, 255, 255, 0, 0, 0, 0)),
                      Catch::Contains("no digit found") && Catch::Contains("differs from the background by 0 of 255"));
  REQUIRE_THROWS_WITH(prepare_digit(rect_image(30, 30, 128, 140, 5, 5, 10, 10)), Catch::Contains("no digit found"));
  REQUIRE_THROWS_WITH(prepare_digit(Image::blank(8, 8, 4)), Catch::Contains("fully transparent"));
  REQUIRE_THROWS_WITH(prepare_digit(Image{}), Catch::Contains("the image is empty"));
  Image bad = Image::blank(4, 4, 1);
  bad.pixels.resize(3);
  REQUIRE_THROWS_AS(prepare_digit(bad), ImageError);
}

TEST_CASE("digit_tensor: shaped for dense and convolutional models, normalised as training", "[digit]") {
  Image img = Image::blank(28, 28, 1);
  img.at(3, 2) = 255, img.at(27, 27) = 51;
  const Tensor<float> flat = digit_tensor(img, {784});
  REQUIRE(flat.shape() == Shape{1, 784});
  REQUIRE(flat(0, 2 * 28 + 3) == 1.0f);
  REQUIRE(flat(0, 783) == 51.0f / 255.0f);
  REQUIRE(flat(0, 0) == 0.0f);
  const Tensor<float> chw = digit_tensor(img, {1, 28, 28});
  REQUIRE(chw.shape() == Shape{1, 1, 28, 28});
  REQUIRE(chw(0, 0, 2, 3) == 1.0f);
  REQUIRE_THROWS_WITH(digit_tensor(img, {100}), Catch::Contains("does not fill an input of 100 values"));
  REQUIRE_THROWS_WITH(digit_tensor(Image::blank(28, 28, 3), {784}), Catch::Contains("3 channels"));
}
