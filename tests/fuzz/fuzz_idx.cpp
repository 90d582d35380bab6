// libFuzzer target for read_idx, plain and gzip.
//
// Input: one mode byte, then the file. Mode bit 0 set: the file is gzip-compressed here first, so
// mutations of the IDX content reach the parser behind the gzip layer (mutating compressed bytes
// mostly breaks the CRC). Bits 1-2 pick the expected magic: none, images, labels, or 2-d.
// Raw gzip files (seeds holding 1f 8b) are still read as given with bit 0 clear.
// Every input must either read or raise DataError; a read array must match its header.

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "mem_file.hpp"
#include "minidl/data/idx.hpp"

namespace {

std::vector<std::uint8_t> gzip(const std::uint8_t* data, std::size_t size) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    fuzz::broken("deflateInit2");
  }
  std::vector<std::uint8_t> out(deflateBound(&zs, static_cast<uLong>(size)) + 32);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) fuzz::broken("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file("fuzz_idx");
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const std::uint8_t* body = data + 1;
  const std::size_t body_size = size - 1;
  const bool compress = mode & 1;
  static const std::uint32_t kMagics[] = {0, minidl::kIdxImagesMagic, minidl::kIdxLabelsMagic, 0x00000802};
  const std::uint32_t expected = kMagics[(mode >> 1) & 3];

  if (compress) {
    const std::vector<std::uint8_t> gz = gzip(body, body_size);
    file.set(gz.data(), gz.size());
  } else {
    file.set(body, body_size);
  }
  try {
    const minidl::IdxArray a = minidl::read_idx(file.path(), expected);
    if (a.dims.empty() || a.dims.size() > 255) fuzz::broken("1 to 255 dimensions");
    std::size_t total = 1;
    for (std::size_t d : a.dims) {
      if (d == 0) fuzz::broken("no zero extent");
      total *= d;
    }
    if (total != a.data.size() || total > minidl::kIdxMaxBytes) fuzz::broken("data size = product of dims");
    if (expected != 0 && a.dims.size() != (expected & 0xFF)) fuzz::broken("expected magic honoured");
    // Unless the body is itself a gzip file, the IDX content read is the body: header, then
    // exactly the data.
    const bool gzip_magic = body_size >= 2 && body[0] == 0x1f && body[1] == 0x8b;
    if (compress || !gzip_magic) {
      const std::size_t header = 4 + 4 * a.dims.size();
      if (body_size != header + total || std::memcmp(body + header, a.data.data(), total) != 0) {
        fuzz::broken("plain data read verbatim");
      }
    }
  } catch (const minidl::DataError&) {
    // Rejecting bad input with a DataError is the promised behaviour.
  }
  return 0;
}
