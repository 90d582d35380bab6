#include "minidl/io/image.hpp"

#include <cstdio>
#include <sstream>

#include "minidl/detail/image_codecs.hpp"
#include "minidl/io/atomic_file.hpp"

namespace minidl {

namespace {

// The first bytes as hex, for a message about a file that is no image we read.
std::string leading_bytes(const std::string& bytes) {
  std::ostringstream out;
  const std::size_t n = bytes.size() < 8 ? bytes.size() : 8;
  for (std::size_t i = 0; i < n; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(static_cast<unsigned char>(bytes[i])));
    out << (i ? " " : "") << hex;
  }
  return out.str();
}

// The formats people most often have instead, told by their signatures, so the error can say
// "this is a JPEG" rather than only "unknown".
std::string known_other_format(const std::string& b) {
  const auto starts = [&](const char* sig, std::size_t n) { return b.size() >= n && b.compare(0, n, sig, n) == 0; };
  if (starts("\xff\xd8\xff", 3)) return "a JPEG";
  if (starts("GIF87a", 6) || starts("GIF89a", 6)) return "a GIF";
  if (starts("BM", 2)) return "a BMP";
  if (starts("RIFF", 4) && b.size() >= 12 && b.compare(8, 4, "WEBP") == 0) return "a WebP";
  if (starts("P1", 2) || starts("P4", 2)) return "a 1-bit PBM";
  return "";
}

}  // namespace

Image Image::blank(std::size_t width, std::size_t height, std::size_t channels) {
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.assign(width * height * channels, 0);
  return image;
}

Image decode_image(const std::string& bytes, const std::string& name) {
  if (detail::is_png(bytes)) return detail::decode_png(bytes, name);
  if (detail::is_netpbm(bytes)) return detail::decode_netpbm(bytes, name);
  if (bytes.empty()) throw ImageError("image '" + name + "': the file is empty");
  const std::string other = known_other_format(bytes);
  if (!other.empty())
    throw ImageError("image '" + name + "': this is " + other + " file; minidl reads PNG, PGM and PPM (convert it, "
                     "e.g. to PNG)");
  throw ImageError("image '" + name + "': neither PNG nor PGM/PPM (the file starts with bytes " +
                   leading_bytes(bytes) + ")");
}

Image read_image(const std::string& path) { return decode_image(read_whole_file(path), path); }

void write_png(const std::string& path, const Image& image) {
  std::string bytes;
  try {
    bytes = encode_png(image);
  } catch (const ImageError& e) {
    throw ImageError("cannot write '" + path + "': " + e.what());
  }
  write_file_atomically(path, bytes);
}

}  // namespace minidl
