#pragma once
// Turning any picture of one handwritten digit into what an MNIST network was trained on, the way
// MNIST itself was made (LeCun et al.): a light digit on a black 28x28 field, the digit scaled so its
// longer side is 20 px (anti-aliased) and shifted so its centre of mass is at the field's centre.
//
//   minidl::Image photo = minidl::read_image("my_seven.png");   // any size, any background
//   minidl::PreparedDigit d = minidl::prepare_digit(photo);
//   minidl::Tensor<float> x = minidl::digit_tensor(d.image, {1, 28, 28});   // a batch of one
//
// A network trained on MNIST expects exactly this: without it a dark digit on white paper, a digit
// in a corner or one filling a 200x200 image is outside everything the network has seen.

#include <cstddef>

#include "minidl/core/tensor.hpp"
#include "minidl/io/image.hpp"

namespace minidl {

/// The geometry of MNIST's digits (the defaults), changeable for look-alike datasets.
struct DigitFormat {
  std::size_t side = 28;  ///< the square field
  std::size_t box = 20;   ///< the digit's longer side after scaling
  /// Ink threshold for the crop, as a fraction of the contrast between background and the darkest
  /// (after inversion: brightest) ink: fainter pixels, such as paper texture or noise, do not widen
  /// the box.
  double ink_threshold = 0.2;
};

/// What prepare_digit made, and what it decided on the way.
struct PreparedDigit {
  Image image;                  ///< side x side, 1 channel: ink bright (255) on black (0), as MNIST
  bool inverted = false;        ///< the background was light, so grey levels were inverted
  std::size_t crop_x = 0, crop_y = 0;           ///< the ink's bounding box in the source image (after a stroke adjustment, of the adjusted ink)
  std::size_t crop_width = 0, crop_height = 0;
  double scale = 1;             ///< factor from the cropped source to the box
};

/// Prepares one digit image the way MNIST was made:
///  1. grey levels (ITU-R 601 luma for colour; transparent pixels are laid on a background that
///     contrasts with the ink, so dark ink on a transparent sheet stays visible);
///  2. inverted when the background is light (the median of the border pixels above mid-grey);
///  3. the background level (that median) becomes 0 and the strongest ink 255, so faded pencil and
///     grey paper end up like MNIST's white-on-black strokes;
///  4. cropped to the bounding box of the pixels above DigitFormat::ink_threshold;
///  5. scaled so the longer side is `box` px, keeping the aspect ratio, with an anti-aliasing
///     (area-weighted triangle) filter when shrinking and bilinear interpolation when enlarging;
///     then, when the scaled strokes are wider or narrower than MNIST's usual 1.8-3.3 px (a marker,
///     or a fine pen on a large photo), the source is eroded or dilated by the matching number of
///     its own pixels and steps 4-5 run again (at most twice; only for sources of at least twice
///     the box's resolution, where one pixel is a fine step);
///  6. placed in a side x side black field, shifted by whole pixels so that its centre of mass
///     (intensity-weighted, in pixel-index coordinates) is at (side/2, side/2), as in MNIST, where the
///     mean over the first 2,000 test digits is (14.0, 14.0); the shift is limited so the box stays inside.
/// Throws ImageError for an empty image, an unsupported channel count, or an image without a digit
/// (no contrast between background and ink: a blank page).
PreparedDigit prepare_digit(const Image& image, const DigitFormat& format = {});

/// A prepared (single-channel) image as a network input of one item, normalised as minidl's MNIST
/// training data is (byte / 255, in [0, 1]). `item_shape` is the model's input without the batch
/// axis, e.g. {784} for the dense models or {1, 28, 28} for the CNNs (models/input_shape.hpp says
/// which); the result has shape (1, item_shape...). Throws std::invalid_argument when the image has
/// more than one channel or its pixel count differs from the shape's.
Tensor<float> digit_tensor(const Image& prepared, const Shape& item_shape);

}  // namespace minidl
