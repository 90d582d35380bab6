#include "minidl/data/prepare_digit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace minidl {

namespace {

// Below this contrast between background and ink (on a 0-1 scale) there is no digit to find: a
// blank page, or a uniformly grey one.
constexpr double kMinContrast = 0.1;

// A single-channel float image in [0, 1].
struct Grey {
  std::size_t width = 0, height = 0;
  std::vector<double> v;
  double& at(std::size_t x, std::size_t y) { return v[y * width + x]; }
  double at(std::size_t x, std::size_t y) const { return v[y * width + x]; }
};

double luma(const Image& img, std::size_t i) {
  const std::uint8_t* p = &img.pixels[i * img.channels];
  if (img.channels >= 3) return (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255.0;
  return p[0] / 255.0;
}

// Step 1: grey levels. With alpha, pixels are laid on white when the visible ink is dark (its
// alpha-weighted mean luma below mid-grey) and on black otherwise, so the ink contrasts with the
// transparent sheet whichever colour it was drawn in.
Grey to_grey(const Image& img) {
  Grey g{img.width, img.height, std::vector<double>(img.width * img.height)};
  const std::size_t n = g.v.size();
  const bool alpha = img.channels == 2 || img.channels == 4;
  double backdrop = 0;
  if (alpha) {
    double weight = 0, sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = img.pixels[i * img.channels + img.channels - 1] / 255.0;
      weight += a, sum += a * luma(img, i);
    }
    if (weight == 0) throw ImageError("prepare_digit: the image is fully transparent: no digit to find");
    backdrop = sum / weight < 0.5 ? 1.0 : 0.0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double a = alpha ? img.pixels[i * img.channels + img.channels - 1] / 255.0 : 1.0;
    g.v[i] = a * luma(img, i) + (1 - a) * backdrop;
  }
  return g;
}

// The median grey level of the outermost rows and columns: the background, even when the digit
// touches an edge somewhere.
double border_median(const Grey& g) {
  std::vector<double> border;
  for (std::size_t x = 0; x < g.width; ++x) {
    border.push_back(g.at(x, 0));
    if (g.height > 1) border.push_back(g.at(x, g.height - 1));
  }
  for (std::size_t y = 1; y + 1 < g.height; ++y) {
    border.push_back(g.at(0, y));
    if (g.width > 1) border.push_back(g.at(g.width - 1, y));
  }
  const auto mid = border.begin() + static_cast<std::ptrdiff_t>(border.size() / 2);
  std::nth_element(border.begin(), mid, border.end());
  return *mid;
}

// For each output sample of a resize from `in` to `out` samples: the input samples it reads and
// their weights. A triangle filter whose radius is one output pixel measured in input pixels (at
// least one input pixel): an area-weighted average when shrinking, so thin strokes are not lost
// between samples, and plain linear interpolation when enlarging.
struct Taps {
  std::vector<std::size_t> first;                 // first input sample of each output sample
  std::vector<std::vector<double>> weights;       // its weights, summing to 1
};

Taps taps(std::size_t in, std::size_t out) {
  Taps t;
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double radius = std::max(scale, 1.0);
  for (std::size_t o = 0; o < out; ++o) {
    const double centre = (static_cast<double>(o) + 0.5) * scale;
    const auto lo = static_cast<std::size_t>(std::max(0.0, std::floor(centre - radius)));
    const auto hi = static_cast<std::size_t>(std::min(static_cast<double>(in), std::ceil(centre + radius)));
    std::vector<double> w;
    double total = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      const double d = std::abs((static_cast<double>(i) + 0.5 - centre) / radius);
      w.push_back(std::max(0.0, 1.0 - d));
      total += w.back();
    }
    for (double& x : w) x /= total;
    t.first.push_back(lo);
    t.weights.push_back(std::move(w));
  }
  return t;
}

// Separable resize: rows first, then columns.
Grey resize(const Grey& src, std::size_t width, std::size_t height) {
  const Taps tx = taps(src.width, width), ty = taps(src.height, height);
  Grey rows{width, src.height, std::vector<double>(width * src.height)};
  for (std::size_t y = 0; y < src.height; ++y)
    for (std::size_t x = 0; x < width; ++x) {
      double s = 0;
      for (std::size_t k = 0; k < tx.weights[x].size(); ++k) s += tx.weights[x][k] * src.at(tx.first[x] + k, y);
      rows.at(x, y) = s;
    }
  Grey out{width, height, std::vector<double>(width * height)};
  for (std::size_t y = 0; y < height; ++y)
    for (std::size_t x = 0; x < width; ++x) {
      double s = 0;
      for (std::size_t k = 0; k < ty.weights[y].size(); ++k) s += ty.weights[y][k] * rows.at(x, ty.first[y] + k);
      out.at(x, y) = s;
    }
  return out;
}

// The mean stroke width of a grey image, in pixels: twice the ink's mass over its total variation.
// For a stroke of width w and length L the mass is w * L and the total variation (the summed
// gradient magnitude) counts both edges, 2 * L; blurred edges change neither. Measured on the
// 20 px box, MNIST's training digits have a median of 2.37 px (10th-90th percentile 1.77-3.28).
double stroke_width(const Grey& g) {
  double mass = 0, variation = 0;
  for (std::size_t y = 0; y < g.height; ++y)
    for (std::size_t x = 0; x < g.width; ++x) {
      const double v = g.at(x, y);
      const double dx = (x + 1 < g.width ? g.at(x + 1, y) : 0.0) - v;
      const double dy = (y + 1 < g.height ? g.at(x, y + 1) : 0.0) - v;
      mass += v, variation += std::hypot(dx, dy);
    }
  return variation > 0 ? 2 * mass / variation : 0;
}

// The range of stroke widths (in box pixels) MNIST's digits have: the 10th and 90th percentiles.
// Strokes outside it (a marker, or a fine pen on a large photo) are brought back to its edge.
constexpr double kThinnestStroke = 1.77, kThickestStroke = 3.28;
// Strokes are adjusted only in sources at least twice the box's resolution (see prepare_digit).
constexpr double kMaxAdjustScale = 0.5;

// Grey-level erosion (minimum) or dilation (maximum) over a (2r+1) x (2r+1) square, separably, each
// pass a sliding-window extreme with a monotonic queue: linear in the pixels whatever r is.
Grey morph(const Grey& src, std::size_t r, bool erode) {
  const auto better = [erode](double a, double b) { return erode ? a <= b : a >= b; };
  const auto pass = [&](const Grey& in, bool rows) {
    Grey out = in;
    const std::size_t lines = rows ? in.height : in.width, len = rows ? in.width : in.height;
    std::vector<std::size_t> queue(len);
    for (std::size_t l = 0; l < lines; ++l) {
      const auto at = [&](std::size_t i) { return rows ? in.at(i, l) : in.at(l, i); };
      std::size_t head = 0, tail = 0, next = 0;
      for (std::size_t i = 0; i < len; ++i) {
        // Window [i - r, i + r]: add up to i + r, drop what fell out on the left.
        for (; next < len && next <= i + r; ++next) {
          while (tail > head && better(at(next), at(queue[tail - 1]))) --tail;
          queue[tail++] = next;
        }
        while (queue[head] + r < i) ++head;
        (rows ? out.at(i, l) : out.at(l, i)) = at(queue[head]);
      }
    }
    return out;
  };
  return pass(pass(src, true), false);
}

// Where the box goes along one axis: the whole-pixel offset that puts the centre of mass `com`
// (in the box's index coordinates) at `side / 2`, kept so the box of `extent` px stays inside.
std::size_t placement(double com, std::size_t side, std::size_t extent) {
  const double wanted = std::round(static_cast<double>(side) / 2 - com);
  const double limit = static_cast<double>(side - extent);
  return static_cast<std::size_t>(std::clamp(wanted, 0.0, limit));
}

}  // namespace

PreparedDigit prepare_digit(const Image& image, const DigitFormat& format) {
  if (image.width == 0 || image.height == 0)
    throw ImageError("prepare_digit: the image is empty (" + std::to_string(image.width) + "x" +
                     std::to_string(image.height) + ")");
  if (image.channels < 1 || image.channels > 4)
    throw ImageError("prepare_digit: " + std::to_string(image.channels) + " channels (expected 1 to 4)");
  if (image.pixels.size() != image.width * image.height * image.channels)
    throw ImageError("prepare_digit: " + std::to_string(image.pixels.size()) + " bytes of pixels for a " +
                     std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
                     std::to_string(image.channels) + " image");
  if (format.box == 0 || format.box > format.side)
    throw std::invalid_argument("prepare_digit: box " + std::to_string(format.box) + " must be in [1, side " +
                                std::to_string(format.side) + "]");
  PreparedDigit out;
  Grey g = to_grey(image);

  // Steps 2 and 3: light background -> inverted; background to 0, strongest ink to 1.
  double background = border_median(g);
  if (background > 0.5) {
    out.inverted = true;
    for (double& v : g.v) v = 1 - v;
    background = 1 - background;
  }
  const double peak = *std::max_element(g.v.begin(), g.v.end());
  const double contrast = peak - background;
  if (contrast < kMinContrast)
    throw ImageError("prepare_digit: no digit found: the ink differs from the background by " +
                     std::to_string(static_cast<int>(std::round(contrast * 255))) + " of 255 grey levels (a blank image?)");
  for (double& v : g.v) v = std::clamp((v - background) / contrast, 0.0, 1.0);

  // Steps 4 and 5, then the stroke check: if the scaled digit's strokes are thicker or thinner than
  // MNIST's, the source is eroded or dilated by the matching number of its own pixels and the two
  // steps run again (the box changes with the strokes). Sources too small for a one-pixel change,
  // such as 28x28 images, are left as they are.
  Grey digit;
  for (int attempt = 0;; ++attempt) {
    // Step 4: the ink's bounding box (the peak is in it; erosion never takes the peak below 0.5).
    const double peak_now = *std::max_element(g.v.begin(), g.v.end());
    const double threshold = format.ink_threshold * peak_now;
    std::size_t x0 = g.width, y0 = g.height, x1 = 0, y1 = 0;
    for (std::size_t y = 0; y < g.height; ++y)
      for (std::size_t x = 0; x < g.width; ++x)
        if (g.at(x, y) >= threshold) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    out.crop_x = x0, out.crop_y = y0, out.crop_width = x1 - x0 + 1, out.crop_height = y1 - y0 + 1;
    Grey crop{out.crop_width, out.crop_height, std::vector<double>(out.crop_width * out.crop_height)};
    for (std::size_t y = 0; y < crop.height; ++y)
      for (std::size_t x = 0; x < crop.width; ++x) crop.at(x, y) = g.at(x0 + x, y0 + y);

    // Step 5: longer side to `box`, aspect ratio kept.
    const std::size_t longer = std::max(crop.width, crop.height);
    out.scale = static_cast<double>(format.box) / static_cast<double>(longer);
    const auto scaled = [&](std::size_t n) {
      return std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(static_cast<double>(n) * out.scale)), 1, format.box);
    };
    digit = resize(crop, scaled(crop.width), scaled(crop.height));

    // Box pixels per MNIST box of 20: the MNIST widths scale with a box of another size.
    const double unit = static_cast<double>(format.box) / 20.0;
    const double width = stroke_width(digit) / unit;
    const double target = std::clamp(width, kThinnestStroke, kThickestStroke);
    // A source pixel must be at most half a box pixel: at MNIST's own resolution one pixel of
    // erosion would remove most of a stroke.
    if (out.scale > kMaxAdjustScale) break;
    const auto radius = static_cast<std::size_t>(std::lround(std::abs(width - target) * unit / 2 / out.scale));
    if (attempt == 2 || radius == 0) break;
    Grey adjusted = morph(g, radius, width > target);
    if (*std::max_element(adjusted.v.begin(), adjusted.v.end()) < 0.5) break;  // never erode the digit away
    g = std::move(adjusted);
  }

  // Step 6: centre of mass to the middle of the field.
  double mass = 0, mx = 0, my = 0;
  for (std::size_t y = 0; y < digit.height; ++y)
    for (std::size_t x = 0; x < digit.width; ++x) {
      const double v = digit.at(x, y);
      mass += v, mx += v * static_cast<double>(x), my += v * static_cast<double>(y);
    }
  const std::size_t ox = placement(mx / mass, format.side, digit.width);
  const std::size_t oy = placement(my / mass, format.side, digit.height);
  out.image = Image::blank(format.side, format.side, 1);
  for (std::size_t y = 0; y < digit.height; ++y)
    for (std::size_t x = 0; x < digit.width; ++x)
      out.image.at(ox + x, oy + y) = static_cast<std::uint8_t>(std::lround(std::clamp(digit.at(x, y), 0.0, 1.0) * 255));
  return out;
}

Tensor<float> digit_tensor(const Image& prepared, const Shape& item_shape) {
  if (prepared.channels != 1)
    throw std::invalid_argument("digit_tensor: the image has " + std::to_string(prepared.channels) +
                                " channels; prepare it first (prepare_digit makes a grey image)");
  Shape shape{1};
  shape.insert(shape.end(), item_shape.begin(), item_shape.end());
  Tensor<float> x = Tensor<float>::from_shape(shape);
  if (x.size() != prepared.pixels.size())
    throw std::invalid_argument("digit_tensor: a " + std::to_string(prepared.width) + "x" +
                                std::to_string(prepared.height) + " image does not fill an input of " +
                                std::to_string(x.size()) + " values");
  // byte / 255: exactly what ByteImageDataset feeds the network in training (ImageFormat::normalize).
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(prepared.pixels[i]) / 255.0f;
  return x;
}

}  // namespace minidl
