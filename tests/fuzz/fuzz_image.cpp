// libFuzzer target for the image readers (read_image: PNG through libpng, PGM, PPM) and the digit
// preparation behind them.
//
// Every input must either decode or raise ImageError. A decoded image must hold exactly
// width x height x channels bytes, survive a PNG round trip unchanged, and, when small enough to
// prepare quickly, give prepare_digit's 28x28 grey digit or an ImageError (a blank image).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mem_file.hpp"
#include "minidl/data/prepare_digit.hpp"
#include "minidl/io/image.hpp"

namespace {

// Larger images decode fine; preparing them costs time the fuzzer would rather spend on inputs.
constexpr std::size_t kMaxPreparedPixels = 256 * 256;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "fuzz_image: broken promise: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file("fuzz_image");
  file.set(data, size);
  minidl::Image image;
  try {
    image = minidl::read_image(file.path());
  } catch (const minidl::ImageError&) {
    return 0;
  }
  if (image.width == 0 || image.height == 0 || image.channels < 1 || image.channels > 4)
    broken("decoded an image with an empty size or a bad channel count");
  if (image.pixels.size() != image.width * image.height * image.channels) broken("pixel count differs from the size");
  const minidl::Image again = minidl::decode_image(minidl::encode_png(image), "round trip");
  if (again.width != image.width || again.height != image.height || again.channels != image.channels ||
      again.pixels != image.pixels)
    broken("a PNG round trip changed the image");
  if (image.width * image.height <= kMaxPreparedPixels) {
    try {
      const minidl::PreparedDigit d = minidl::prepare_digit(image);
      if (d.image.width != 28 || d.image.height != 28 || d.image.channels != 1) broken("prepared digit is not 28x28 grey");
    } catch (const minidl::ImageError&) {
    }
  }
  return 0;
}
