// PNG through libpng's simplified API (png_image): it handles every colour type and bit depth,
// reports errors as text in the png_image instead of longjmp'ing through our C++ frames, and writes
// to memory, so the file itself is written atomically by our own code.

#include <png.h>

#include <cstring>
#include <limits>

#include "minidl/detail/image_codecs.hpp"

namespace minidl::detail {

namespace {

// The simplified API's format for an interleaved 8-bit image with `channels` samples per pixel.
png_uint_32 png_format(std::size_t channels) {
  switch (channels) {
    case 1: return PNG_FORMAT_GRAY;
    case 2: return PNG_FORMAT_GA;
    case 3: return PNG_FORMAT_RGB;
    default: return PNG_FORMAT_RGBA;
  }
}

// Frees libpng's state however the decode ends.
struct PngImageGuard {
  png_image* image;
  ~PngImageGuard() { png_image_free(image); }
};

}  // namespace

bool is_png(const std::string& bytes) {
  return bytes.size() >= 8 && png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) == 0;
}

Image decode_png(const std::string& bytes, const std::string& name) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  PngImageGuard guard{&png};
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()))
    throw ImageError("PNG '" + name + "': " + png.message);
  const std::size_t width = png.width, height = png.height;
  if (width == 0 || height == 0 || width > kMaxImagePixels / height)
    throw ImageError("PNG '" + name + "': " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels is more than read_image accepts (" + std::to_string(kMaxImagePixels) + ")");
  // Keep what the file has: grey or colour, with or without alpha (a palette with transparency
  // reports alpha). 8 bits a sample in sRGB, libpng's conversion for 16-bit files.
  const bool colour = (png.format & PNG_FORMAT_FLAG_COLOR) != 0;
  const bool alpha = (png.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  Image image = Image::blank(width, height, (colour ? 3 : 1) + (alpha ? 1 : 0));
  png.format = png_format(image.channels);
  const png_int_32 stride = static_cast<png_int_32>(width * image.channels);
  if (!png_image_finish_read(&png, nullptr, image.pixels.data(), stride, nullptr))
    throw ImageError("PNG '" + name + "': " + png.message);
  return image;
}

}  // namespace minidl::detail

namespace minidl {

std::string encode_png(const Image& image) {
  if (image.width == 0 || image.height == 0) throw ImageError("encode_png: the image is empty (" +
                                                              std::to_string(image.width) + "x" +
                                                              std::to_string(image.height) + ")");
  if (image.channels < 1 || image.channels > 4)
    throw ImageError("encode_png: " + std::to_string(image.channels) + " channels (PNG takes 1 grey, 2 grey+alpha, "
                     "3 RGB or 4 RGBA)");
  if (image.width > kMaxImagePixels / image.height ||
      image.width * image.channels > static_cast<std::size_t>(std::numeric_limits<png_int_32>::max()))
    throw ImageError("encode_png: " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                     " pixels is more than minidl writes");
  if (image.pixels.size() != image.width * image.height * image.channels)
    throw ImageError("encode_png: " + std::to_string(image.pixels.size()) + " bytes of pixels for a " +
                     std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
                     std::to_string(image.channels) + " image (expected " +
                     std::to_string(image.width * image.height * image.channels) + ")");
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = detail::png_format(image.channels);
  const png_int_32 stride = static_cast<png_int_32>(image.width * image.channels);
  // First call measures, second writes.
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), stride, nullptr))
    throw ImageError(std::string("encode_png: libpng: ") + png.message);
  std::string bytes(size, '\0');
  if (!png_image_write_to_memory(&png, bytes.data(), &size, 0, image.pixels.data(), stride, nullptr))
    throw ImageError(std::string("encode_png: libpng: ") + png.message);
  bytes.resize(size);
  return bytes;
}

}  // namespace minidl
