#pragma once
// Reading and writing 8-bit images: PNG (through libpng) and the Netpbm formats PGM and PPM.
//
//   minidl::Image img = minidl::read_image("digit.png");   // PNG, PGM (P2/P5) or PPM (P3/P6)
//   minidl::write_png("out.png", img);                     // atomically: never half written
//
// An Image is plain bytes, channels interleaved: what a user's file holds, before any conversion
// for a network (data/prepare_digit.hpp turns one into an MNIST-style 28x28 digit).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace minidl {

/// Raised when an image file's content is not a readable image, or an Image cannot be encoded.
/// The message names the file and the problem (libpng's own words, or the byte offset in a
/// Netpbm header). Errors of the OS (missing file, no permission) are FileError
/// (io/atomic_file.hpp), with the OS reason.
class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The largest image read_image accepts, in pixels (64 Mpx, 256 MB as RGBA): a corrupt or hostile
/// header must not make the reader allocate gigabytes.
constexpr std::size_t kMaxImagePixels = std::size_t(1) << 26;

/// An 8-bit image: `height` rows of `width` pixels, each `channels` bytes, interleaved.
/// channels: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. Alpha is not premultiplied.
struct Image {
  std::size_t width = 0;
  std::size_t height = 0;
  std::size_t channels = 1;
  std::vector<std::uint8_t> pixels;  ///< row-major, size height * width * channels

  /// A black (all-zero) image of the given size.
  static Image blank(std::size_t width, std::size_t height, std::size_t channels = 1);

  /// Byte of channel c of pixel (x, y); no bounds check.
  std::uint8_t at(std::size_t x, std::size_t y, std::size_t c = 0) const {
    return pixels[(y * width + x) * channels + c];
  }
  /// Writable byte of channel c of pixel (x, y); no bounds check.
  std::uint8_t& at(std::size_t x, std::size_t y, std::size_t c = 0) { return pixels[(y * width + x) * channels + c]; }
};

/// Reads a PNG (any bit depth and colour type libpng knows; 16-bit samples are reduced to 8, palettes
/// expanded), a PGM (P2 ASCII or P5 binary, maxval up to 65535) or a PPM (P3 / P6). The format is
/// told by the file's first bytes, not its name. The result keeps the file's channels: grey, grey +
/// alpha, RGB or RGBA. Throws FileError if the file cannot be read, ImageError naming the file and
/// the problem if it is not one of these formats (JPEG, GIF, BMP and WebP are recognised and named),
/// is malformed or truncated, or is larger than kMaxImagePixels.
Image read_image(const std::string& path);

/// read_image on bytes already in memory; `name` is used in error messages.
Image decode_image(const std::string& bytes, const std::string& name);

/// The image as PNG bytes (8 bits per sample; 1, 2, 3 or 4 channels). Throws ImageError for an
/// empty image, an unsupported channel count, or pixels of the wrong size.
std::string encode_png(const Image& image);

/// Writes the image as a PNG file, atomically (io/atomic_file.hpp): a crash leaves the old file or
/// the whole new one. Throws ImageError as encode_png, FileError with the OS reason.
void write_png(const std::string& path, const Image& image);

}  // namespace minidl
