#pragma once
// UTF-8 checks and code-point splitting for text corpora: a corpus file is accepted only as valid
// UTF-8 without NUL bytes, so a binary file is refused at the byte where it stops being text.

#include <cstddef>
#include <string>
#include <vector>

namespace minidl {
namespace text {

/// The byte offset of the first byte that makes `bytes` not UTF-8 text: a NUL byte, a malformed or
/// truncated sequence, an overlong encoding, a surrogate or a code point above U+10FFFF.
/// std::string::npos when the whole string is valid text.
std::size_t first_invalid_utf8(const std::string& bytes);

/// The code points of valid UTF-8 `s`, each as its own byte string ("né" -> {"n", "é"}).
/// Throws std::invalid_argument naming the byte offset when `s` is not valid UTF-8.
std::vector<std::string> utf8_code_points(const std::string& s);

}  // namespace text
}  // namespace minidl
