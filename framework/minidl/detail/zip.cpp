#include "minidl/detail/zip.hpp"

#include <zlib.h>

#include <cstdint>
#include <limits>

namespace minidl::zip_detail {

namespace {

constexpr std::uint32_t kLocalHeaderSig = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EndSize = 56;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflate = 8;
// Deflate cannot shrink data by more than about 1032:1; a member that claims more is corrupt (or a
// zip bomb), and its claimed size must not be allocated.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::uint32_t crc_of(const std::string& s) {
  return static_cast<std::uint32_t>(crc32_z(0L, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

/// Little-endian reads at checked offsets of the archive.
class Reader {
 public:
  explicit Reader(const std::string& bytes) : b_(bytes) {}
  std::size_t size() const { return b_.size(); }
  void need(std::uint64_t offset, std::uint64_t n, const std::string& what) const {
    if (offset > b_.size() || n > b_.size() - offset) {
      throw ZipError(what + " at byte " + std::to_string(offset) + " runs past the end of the archive (" +
                     std::to_string(b_.size()) + " bytes)");
    }
  }
  std::uint64_t le(std::size_t offset, int bytes) const {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b_[offset + i]);
    return v;
  }
  std::uint16_t u16(std::size_t o) const { return static_cast<std::uint16_t>(le(o, 2)); }
  std::uint32_t u32(std::size_t o) const { return static_cast<std::uint32_t>(le(o, 4)); }
  std::uint64_t u64(std::size_t o) const { return le(o, 8); }
  std::string str(std::size_t o, std::size_t n) const { return b_.substr(o, n); }

 private:
  const std::string& b_;
};

/// Where the central directory is and how many entries it has, from the end records.
struct Directory {
  std::uint64_t offset = 0, size = 0, entries = 0;
};

Directory find_directory(const Reader& r) {
  if (r.size() < kEndSize) throw ZipError("not a ZIP archive: " + std::to_string(r.size()) + " bytes is too short");
  // The end record sits at the end, followed only by a comment of at most 65535 bytes.
  const std::size_t lowest = r.size() > kEndSize + 0xFFFF ? r.size() - kEndSize - 0xFFFF : 0;
  std::size_t end = r.size() - kEndSize + 1;
  bool found = false;
  while (end-- > lowest) {
    if (r.u32(end) == kEndSig && end + kEndSize + r.u16(end + 20) == r.size()) {
      found = true;
      break;
    }
  }
  if (!found) throw ZipError("not a ZIP archive: no end-of-central-directory record");
  if (r.u16(end + 4) != 0 || r.u16(end + 6) != 0) {
    throw ZipError("end record at byte " + std::to_string(end) + ": multi-disk archives are not supported");
  }
  Directory d{r.u32(end + 16), r.u32(end + 12), r.u16(end + 10)};
  const bool zip64 = d.offset == 0xFFFFFFFFu || d.size == 0xFFFFFFFFu || d.entries == 0xFFFFu;
  if (end >= kZip64LocatorSize && r.u32(end - kZip64LocatorSize) == kZip64LocatorSig) {
    const std::size_t loc = end - kZip64LocatorSize;
    const std::uint64_t z = r.u64(loc + 8);
    r.need(z, kZip64EndSize, "ZIP64 end record");
    if (r.u32(z) != kZip64EndSig) throw ZipError("ZIP64 end record at byte " + std::to_string(z) + ": bad signature");
    d.entries = r.u64(z + 32);
    d.size = r.u64(z + 40);
    d.offset = r.u64(z + 48);
  } else if (zip64) {
    throw ZipError("end record at byte " + std::to_string(end) + " asks for ZIP64 values but there is no ZIP64 locator");
  }
  r.need(d.offset, d.size, "central directory");
  return d;
}

std::string inflate_member(const std::string& bytes, std::size_t offset, std::uint64_t compressed,
                           std::uint64_t uncompressed, const std::string& where) {
  if (uncompressed > compressed * kMaxDeflateRatio + 1024) {
    throw ZipError(where + ": claims " + std::to_string(uncompressed) + " bytes from " + std::to_string(compressed) +
                   " deflated bytes, more than deflate can produce");
  }
  if (compressed > 0xFFFFFFFFu || uncompressed > 0xFFFFFFFFu) {
    throw ZipError(where + ": deflated members of 4 GiB or more are not supported");
  }
  std::string out(uncompressed, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw ZipError(where + ": zlib could not be initialised");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + offset));
  zs.avail_in = static_cast<uInt>(compressed);
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(uncompressed);
  const int ret = inflate(&zs, Z_FINISH);
  const std::string msg = zs.msg ? zs.msg : "zlib error " + std::to_string(ret);
  const std::uint64_t produced = zs.total_out;
  inflateEnd(&zs);
  if (ret != Z_STREAM_END) {
    if (ret == Z_BUF_ERROR && produced == uncompressed) {
      throw ZipError(where + ": the deflate stream holds more than the announced " + std::to_string(uncompressed) + " bytes");
    }
    if (ret == Z_BUF_ERROR) {
      throw ZipError(where + ": the deflate stream ends after " + std::to_string(produced) + " of " +
                     std::to_string(uncompressed) + " bytes (truncated)");
    }
    throw ZipError(where + ": corrupt deflate stream (" + msg + ")");
  }
  if (produced != uncompressed) {
    throw ZipError(where + ": inflated to " + std::to_string(produced) + " bytes, the directory says " +
                   std::to_string(uncompressed));
  }
  return out;
}

void put16(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string deflate_bytes(const std::string& in, const std::string& name) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw ZipError("member '" + name + "': zlib could not be initialised");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) throw ZipError("member '" + name + "': deflate failed (zlib error " + std::to_string(ret) + ")");
  return out;
}

}  // namespace

std::vector<ZipMember> read_zip(const std::string& bytes) {
  const Reader r(bytes);
  const Directory dir = find_directory(r);
  std::vector<ZipMember> members;
  std::size_t at = dir.offset;
  for (std::uint64_t i = 0; i < dir.entries; ++i) {
    r.need(at, kCentralHeaderSize, "central directory entry " + std::to_string(i));
    if (r.u32(at) != kCentralHeaderSig) {
      throw ZipError("central directory entry " + std::to_string(i) + " at byte " + std::to_string(at) + ": bad signature");
    }
    const std::uint16_t flags = r.u16(at + 8), method = r.u16(at + 10);
    const std::uint32_t crc = r.u32(at + 16);
    std::uint64_t compressed = r.u32(at + 20), uncompressed = r.u32(at + 24);
    const std::size_t name_len = r.u16(at + 28), extra_len = r.u16(at + 30), comment_len = r.u16(at + 32);
    std::uint64_t local = r.u32(at + 42);
    r.need(at + kCentralHeaderSize, name_len + extra_len + comment_len, "central directory entry " + std::to_string(i));
    const std::string name = r.str(at + kCentralHeaderSize, name_len);
    const std::string where = "member '" + name + "' (directory entry at byte " + std::to_string(at) + ")";
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    for (std::size_t e = at + kCentralHeaderSize + name_len; e + 4 <= at + kCentralHeaderSize + name_len + extra_len;) {
      const std::uint16_t id = r.u16(e), len = r.u16(e + 2);
      r.need(e + 4, len, where + " extra field");
      if (id == kZip64ExtraId) {
        std::size_t p = e + 4;
        auto take = [&](std::uint64_t& field) {
          if (field != 0xFFFFFFFFu) return;
          if (p + 8 > e + 4 + len) throw ZipError(where + ": ZIP64 extra field too short");
          field = r.u64(p);
          p += 8;
        };
        take(uncompressed);
        take(compressed);
        take(local);
      }
      e += 4 + len;
    }
    if (flags & 0x1) throw ZipError(where + ": encrypted members are not supported");
    if (method != kMethodStored && method != kMethodDeflate) {
      throw ZipError(where + ": compression method " + std::to_string(method) +
                     " is not supported (only stored and deflate, as NumPy writes)");
    }
    r.need(local, kLocalHeaderSize, where + " local header");
    if (r.u32(local) != kLocalHeaderSig) {
      throw ZipError(where + ": bad local header signature at byte " + std::to_string(local));
    }
    const std::uint64_t data_at = local + kLocalHeaderSize + r.u16(local + 26) + r.u16(local + 28);
    r.need(data_at, compressed, where + " data");
    ZipMember m{name, {}, static_cast<std::size_t>(data_at)};
    const std::string data_where = "member '" + name + "' (data at byte " + std::to_string(data_at) + ")";
    if (method == kMethodStored) {
      if (compressed != uncompressed) {
        throw ZipError(data_where + ": stored member with compressed size " + std::to_string(compressed) +
                       " != size " + std::to_string(uncompressed));
      }
      m.data = r.str(data_at, compressed);
    } else {
      m.data = inflate_member(bytes, data_at, compressed, uncompressed, data_where);
    }
    if (crc_of(m.data) != crc) throw ZipError(data_where + ": CRC-32 mismatch (the member is corrupt)");
    members.push_back(std::move(m));
    at += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
  return members;
}

std::string write_zip(const std::vector<ZipInput>& members, bool deflate) {
  if (members.size() > 0xFFFF) throw ZipError(std::to_string(members.size()) + " members: more than a ZIP without ZIP64 holds");
  constexpr std::uint32_t kLimit = 0xFFFFFFFFu;
  constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, the earliest DOS date
  std::string out, directory;
  for (const ZipInput& m : members) {
    const std::string packed = deflate ? deflate_bytes(m.data, m.name) : std::string();
    const std::string& body = deflate ? packed : m.data;
    if (m.data.size() >= kLimit || body.size() >= kLimit || out.size() >= kLimit || m.name.size() > 0xFFFF) {
      throw ZipError("member '" + m.name + "' is too large for a ZIP without ZIP64 (4 GiB)");
    }
    const std::uint32_t crc = crc_of(m.data);
    const std::uint16_t method = deflate ? kMethodDeflate : kMethodStored;
    auto common = [&](std::string& s) {  // version needed .. extra length: shared by both headers
      put16(s, 20);
      put16(s, 0);
      put16(s, method);
      put16(s, 0);
      put16(s, kDosDate);
      put32(s, crc);
      put32(s, static_cast<std::uint32_t>(body.size()));
      put32(s, static_cast<std::uint32_t>(m.data.size()));
      put16(s, static_cast<std::uint32_t>(m.name.size()));
      put16(s, 0);
    };
    const auto local = static_cast<std::uint32_t>(out.size());
    put32(out, kLocalHeaderSig);
    common(out);
    out += m.name;
    out += body;
    put32(directory, kCentralHeaderSig);
    put16(directory, 20);  // made by: MS-DOS attributes, version 2.0
    common(directory);
    put16(directory, 0);   // comment length
    put16(directory, 0);   // disk
    put16(directory, 0);   // internal attributes
    put32(directory, 0);   // external attributes
    put32(directory, local);
    directory += m.name;
  }
  if (out.size() + directory.size() >= kLimit) throw ZipError("archive too large for a ZIP without ZIP64 (4 GiB)");
  const auto directory_at = static_cast<std::uint32_t>(out.size());
  out += directory;
  put32(out, kEndSig);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(members.size()));
  put16(out, static_cast<std::uint32_t>(members.size()));
  put32(out, static_cast<std::uint32_t>(directory.size()));
  put32(out, directory_at);
  put16(out, 0);
  return out;
}

}  // namespace minidl::zip_detail
