#pragma once
// Tiny IDX / gzip fixtures for the data-layer tests, built independently of minidl's own writer so
// that a shared bug in reader and writer cannot hide.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace fixtures {

using Bytes = std::vector<std::uint8_t>;

/// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "minidl_data_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// dir/name as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline void put_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

/// An unsigned-byte IDX file: header for `dims` followed by `data` (not checked against dims, so
/// malformed files can be made too).
inline Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes b{0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims) put_be32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

/// Deterministic pixel pattern: item i, pixel k -> (i * 31 + k * 7) mod 256.
inline Bytes pattern_pixels(std::size_t n, std::size_t per_item) {
  Bytes p(n * per_item);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < per_item; ++k) p[i * per_item + k] = static_cast<std::uint8_t>((i * 31 + k * 7) % 256);
  return p;
}

inline std::uint32_t crc32(const Bytes& data) {
  std::uint32_t table[256];
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  std::uint32_t crc = 0xFFFFFFFFu;
  for (auto byte : data) crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

/// A valid gzip member holding `data` in stored (uncompressed) deflate blocks (RFC 1951/1952).
inline Bytes gzip_stored(const Bytes& data) {
  Bytes g{0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff};
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(data.size() - pos, 65535);
    const bool last = pos + len == data.size();
    g.push_back(last ? 1 : 0);
    g.push_back(len & 0xFF);
    g.push_back((len >> 8) & 0xFF);
    g.push_back(~len & 0xFF);
    g.push_back((~len >> 8) & 0xFF);
    g.insert(g.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
             data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < data.size());
  const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<std::uint8_t>(crc >> s));
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<std::uint8_t>(size >> s));
  return g;
}

/// `gzip -9n` of an IDX labels file with 50 labels i % 10 (real deflate with Huffman codes, not
/// stored blocks), to check the reader against a gzip made by the gzip tool itself.
inline Bytes real_gzip_labels50() {
  return {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xe0, 0x60,
          0x64, 0x60, 0x60, 0x30, 0x62, 0x60, 0x64, 0x62, 0x66, 0x61, 0x65, 0x63, 0xe7, 0xe0,
          0x24, 0x96, 0x05, 0x00, 0x59, 0x44, 0xa8, 0x5c, 0x3a, 0x00, 0x00, 0x00};
}

}  // namespace fixtures
