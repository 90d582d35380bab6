// PGM and PPM (Netpbm): a text header "P5 <width> <height> <maxval>" with '#' comments, then the
// samples, as ASCII numbers (P2 grey, P3 RGB) or binary bytes (P5 grey, P6 RGB; two bytes big-endian
// a sample when maxval > 255). Samples are rescaled from [0, maxval] to [0, 255].

#include <cctype>
#include <string>

#include "minidl/detail/image_codecs.hpp"

namespace minidl::detail {

namespace {

class NetpbmReader {
 public:
  NetpbmReader(const std::string& bytes, const std::string& name) : b_(bytes), name_(name) {}

  Image read() {
    const char kind = b_[1];
    pos_ = 2;
    const bool colour = kind == '3' || kind == '6';
    const bool binary = kind == '5' || kind == '6';
    const char* format = colour ? "PPM" : "PGM";
    if (pos_ < b_.size() && !std::isspace(static_cast<unsigned char>(b_[pos_])) && b_[pos_] != '#')
      fail_at(format, pos_, "expected whitespace after the magic number P" + std::string(1, kind));
    const std::size_t width = number("the width", format);
    const std::size_t height = number("the height", format);
    if (width == 0 || height == 0) fail(format, "the size is " + std::to_string(width) + "x" + std::to_string(height));
    if (width > kMaxImagePixels / height)
      fail(format, std::to_string(width) + "x" + std::to_string(height) + " pixels is more than read_image accepts (" +
                       std::to_string(kMaxImagePixels) + ")");
    const std::size_t maxval = number("maxval", format);
    if (maxval == 0 || maxval > 65535) fail(format, "maxval " + std::to_string(maxval) + " is not in [1, 65535]");
    Image image = Image::blank(width, height, colour ? 3 : 1);
    const std::size_t count = image.pixels.size();
    if (binary) {
      // Exactly one whitespace byte separates the header from the samples.
      if (pos_ >= b_.size() || !std::isspace(static_cast<unsigned char>(b_[pos_])))
        fail(format, "expected one whitespace byte before the pixels");
      ++pos_;
      const std::size_t sample_bytes = maxval > 255 ? 2 : 1;
      const std::size_t need = count * sample_bytes;
      if (b_.size() - pos_ < need)
        fail(format, "truncated: " + std::to_string(need) + " bytes of pixels expected from byte offset " +
                         std::to_string(pos_) + ", the file has " + std::to_string(b_.size() - pos_));
      for (std::size_t i = 0; i < count; ++i) {
        const std::size_t at = pos_ + i * sample_bytes;
        std::size_t v = static_cast<unsigned char>(b_[at]);
        if (sample_bytes == 2) v = (v << 8) | static_cast<unsigned char>(b_[at + 1]);
        if (v > maxval) fail_at(format, at, "sample " + std::to_string(v) + " exceeds maxval " + std::to_string(maxval));
        image.pixels[i] = scale(v, maxval);
      }
    } else {
      for (std::size_t i = 0; i < count; ++i) {
        skip_blanks();
        const std::size_t start = pos_;
        const std::size_t v = number("a pixel value", format);
        if (v > maxval) fail_at(format, start, "pixel value " + std::to_string(v) + " exceeds maxval " + std::to_string(maxval));
        image.pixels[i] = scale(v, maxval);
      }
    }
    return image;
  }

 private:
  static std::uint8_t scale(std::size_t v, std::size_t maxval) {
    return static_cast<std::uint8_t>((v * 255 + maxval / 2) / maxval);
  }

  [[noreturn]] void fail(const char* format, const std::string& what) const {
    throw ImageError(std::string(format) + " '" + name_ + "': " + what);
  }
  [[noreturn]] void fail_at(const char* format, std::size_t offset, const std::string& what) const {
    fail(format, "byte offset " + std::to_string(offset) + ": " + what);
  }

  // Skips whitespace and '#' comments (to the end of their line).
  void skip_blanks() {
    while (pos_ < b_.size()) {
      const unsigned char c = static_cast<unsigned char>(b_[pos_]);
      if (c == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
      } else if (std::isspace(c)) {
        ++pos_;
      } else {
        return;
      }
    }
  }

  // A decimal number after optional blanks; `what` names it in the error.
  std::size_t number(const char* what, const char* format) {
    skip_blanks();
    if (pos_ >= b_.size()) fail_at(format, pos_, std::string("the file ends where ") + what + " should be");
    if (!std::isdigit(static_cast<unsigned char>(b_[pos_])))
      fail_at(format, pos_, std::string("expected ") + what + ", found '" + printable(b_[pos_]) + "'");
    const std::size_t start = pos_;
    std::size_t v = 0;
    while (pos_ < b_.size() && std::isdigit(static_cast<unsigned char>(b_[pos_]))) {
      v = v * 10 + static_cast<std::size_t>(b_[pos_] - '0');
      if (v > 1000000000) fail_at(format, start, std::string(what) + " is too large");
      ++pos_;
    }
    return v;
  }

  static std::string printable(char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isprint(u)) return std::string(1, c);
    return "\\x" + std::string(1, "0123456789abcdef"[u >> 4]) + std::string(1, "0123456789abcdef"[u & 15]);
  }

  const std::string& b_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

}  // namespace

bool is_netpbm(const std::string& bytes) {
  return bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '3' || bytes[1] == '5' || bytes[1] == '6');
}

Image decode_netpbm(const std::string& bytes, const std::string& name) { return NetpbmReader(bytes, name).read(); }

}  // namespace minidl::detail
