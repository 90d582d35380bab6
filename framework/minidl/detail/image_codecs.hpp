#pragma once
// The decoders and the encoder behind io/image.hpp, one file per format. Internal: use read_image,
// decode_image and encode_png.

#include <string>

#include "minidl/io/image.hpp"

namespace minidl::detail {

/// True if `bytes` start with the 8-byte PNG signature.
bool is_png(const std::string& bytes);
/// True if `bytes` start with a Netpbm grey or colour magic number (P2, P3, P5, P6).
bool is_netpbm(const std::string& bytes);

/// Decodes PNG bytes with libpng; `name` goes into error messages.
Image decode_png(const std::string& bytes, const std::string& name);
/// Decodes a PGM (P2/P5) or PPM (P3/P6); `name` goes into error messages.
Image decode_netpbm(const std::string& bytes, const std::string& name);

}  // namespace minidl::detail
