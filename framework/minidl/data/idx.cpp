#include "minidl/data/idx.hpp"

#include "minidl/io/atomic_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace minidl {

std::size_t IdxArray::item_size() const {
  std::size_t n = 1;
  for (std::size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  return n;
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw DataError("IDX file '" + path + "': " + what);
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(v));
  return buf;
}

std::string dims_str(const std::vector<std::size_t>& dims) {
  std::ostringstream out;
  out << '(';
  for (std::size_t i = 0; i < dims.size(); ++i) out << (i ? "," : "") << dims[i];
  out << ')';
  return out.str();
}

const char* type_name(std::uint8_t type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "unknown type";
  }
}

std::string describe_magic(std::uint32_t magic) {
  const auto type = static_cast<std::uint8_t>((magic >> 8) & 0xFF);
  return hex32(magic) + " (" + type_name(type) + ", " + std::to_string(magic & 0xFF) + " dims)";
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

FilePtr open_for_read(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it is
  // refused below with the other non-files. Reads of a regular file ignore the flag.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  if (!stat_ok || !S_ISREG(st.st_mode)) {
    const int err = errno;
    ::close(fd);
    if (!stat_ok) fail(path, std::string("cannot open: ") + std::strerror(err));
    if (S_ISDIR(st.st_mode)) throw DataError("'" + path + "' is a directory, expected an IDX file");
    fail(path, "not a regular file (a FIFO, socket or device), expected an IDX file");
  }
  std::FILE* f = ::fdopen(fd, "rb");
  if (!f) {
    const int err = errno;
    ::close(fd);
    fail(path, std::string("cannot open: ") + std::strerror(err));
  }
  return FilePtr(f);
}

// A stream of the file's (decompressed) bytes. read() returns fewer than n bytes only at the end.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::size_t read(std::uint8_t* dst, std::size_t n) = 0;
  // Total byte count when known without reading (plain files), or -1.
  virtual long long known_size() const { return -1; }
};

class PlainSource : public ByteSource {
 public:
  PlainSource(std::FILE* f, const std::string& path) : f_(f), path_(path) {
    struct stat st {};
    if (::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) size_ = st.st_size;
  }
  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    const std::size_t got = std::fread(dst, 1, n, f_);
    if (got < n && std::ferror(f_)) fail(path_, std::string("read error: ") + std::strerror(errno));
    return got;
  }
  long long known_size() const override { return size_; }

 private:
  std::FILE* f_;
  const std::string& path_;
  long long size_ = -1;
};

// Streams a gzip file through zlib. Concatenated gzip members are read as one stream, as gzip(1)
// does. Zero bytes after the last member are padding (tape archives and some tools write blocks
// padded with zeros; gzip(1) accepts them too); anything else after the last member is an error
// rather than silently ignored.
class GzipSource : public ByteSource {
 public:
  GzipSource(std::FILE* f, const std::string& path) : f_(f), path_(path), in_(kChunk) {
    std::memset(&zs_, 0, sizeof zs_);
    // 16 + MAX_WBITS: expect a gzip wrapper (header + CRC-32/length trailer, both verified).
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) fail(path_, "zlib could not be initialised");
  }
  ~GzipSource() override { inflateEnd(&zs_); }

  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    zs_.next_out = dst;
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out > 0) {
      if (zs_.avail_in == 0) refill();
      if (ended_) {
        if (zs_.avail_in == 0) break;  // clean end of the last member
        // A member never starts with a zero byte (its magic is 1f 8b), so a zero here is padding.
        if (*zs_.next_in == 0) {
          skip_zero_padding();
          break;
        }
        // More input after a complete member: it must be another gzip member.
        if (inflateReset(&zs_) != Z_OK) fail(path_, "zlib reset failed");
        ended_ = false;
        member_start_ = consumed();
      }
      if (zs_.avail_in == 0) {
        fail(path_, "gzip stream is truncated: the compressed file ends at byte offset " +
                        std::to_string(consumed()) + " before the end of the gzip member");
      }
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      if (ret == Z_STREAM_END) {
        ended_ = true;
      } else if (ret != Z_OK) {
        const std::string msg = zs_.msg ? zs_.msg : ("zlib error " + std::to_string(ret));
        if (member_start_ > 0 && consumed() - member_start_ < 16) {
          fail(path_, "unexpected bytes after the gzip stream at compressed byte offset " +
                          std::to_string(member_start_) + " (" + msg + ")");
        }
        fail(path_, "corrupt gzip data near compressed byte offset " + std::to_string(consumed()) +
                        ": " + msg);
      }
    }
    return n - zs_.avail_out;
  }

 private:
  static constexpr std::size_t kChunk = 1 << 16;

  void refill() {
    if (eof_) return;
    const std::size_t got = std::fread(in_.data(), 1, in_.size(), f_);
    if (got < in_.size()) {
      if (std::ferror(f_)) fail(path_, std::string("read error: ") + std::strerror(errno));
      eof_ = true;
    }
    read_ += got;
    zs_.next_in = in_.data();
    zs_.avail_in = static_cast<uInt>(got);
  }
  std::size_t consumed() const { return read_ - zs_.avail_in; }

  // Consumes the rest of the file, which must be all zeros; a non-zero byte is named by offset.
  void skip_zero_padding() {
    const std::size_t padding_start = consumed();
    for (;;) {
      for (; zs_.avail_in > 0; ++zs_.next_in, --zs_.avail_in) {
        if (*zs_.next_in != 0) {
          fail(path_, "unexpected bytes after the gzip stream: zero padding from compressed byte offset " +
                          std::to_string(padding_start) + " is followed by a non-zero byte at offset " +
                          std::to_string(consumed()));
        }
      }
      if (eof_) return;
      refill();
    }
  }

  std::FILE* f_;
  const std::string& path_;
  std::vector<std::uint8_t> in_;
  z_stream zs_;
  std::size_t read_ = 0;          // compressed bytes taken from the file so far
  std::size_t member_start_ = 0;  // compressed offset where the current gzip member began
  bool eof_ = false;
  bool ended_ = false;
};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

IdxArray parse(ByteSource& src, const std::string& path, std::uint32_t expected_magic,
               bool gzipped) {
  // Offsets in messages count decompressed bytes; say so for gzip files to avoid confusion.
  const std::string where = gzipped ? " (decompressed)" : "";
  std::uint8_t head[4];
  const std::size_t got_head = src.read(head, 4);
  if (got_head == 0) fail(path, std::string("file is empty") + where + ", expected an IDX header");
  if (got_head < 4) {
    fail(path, "truncated header: the file ends at byte offset " + std::to_string(got_head) + where +
                   ", but an IDX header needs at least 4 bytes of magic number");
  }
  const std::uint32_t magic = be32(head);
  if (head[0] != 0 || head[1] != 0) {
    fail(path, "not an IDX file: magic number " + hex32(magic) +
                   " at byte offset 0 (an IDX file starts with two zero bytes)");
  }
  if (head[2] != 0x08) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", head[2]);
    fail(path, std::string("unsupported element type ") + buf + " (" + type_name(head[2]) +
                   ") at byte offset 2: minidl reads unsigned-byte (0x08) IDX files only");
  }
  const std::size_t ndim = head[3];
  if (expected_magic != 0 && magic != expected_magic) {
    fail(path, "wrong magic number " + describe_magic(magic) + ": expected " +
                   describe_magic(expected_magic));
  }
  if (ndim == 0) fail(path, "invalid number of dimensions 0 at byte offset 3");

  std::vector<std::uint8_t> dim_bytes(4 * ndim);
  const std::size_t got_dims = src.read(dim_bytes.data(), dim_bytes.size());
  const std::size_t header_size = 4 + dim_bytes.size();
  if (got_dims < dim_bytes.size()) {
    fail(path, "truncated header: " + std::to_string(ndim) + " dimensions need a header of " +
                   std::to_string(header_size) + " bytes, but the file ends at byte offset " +
                   std::to_string(4 + got_dims) + where);
  }
  IdxArray out;
  out.dims.resize(ndim);
  std::size_t total = 1;
  for (std::size_t i = 0; i < ndim; ++i) {
    out.dims[i] = be32(&dim_bytes[4 * i]);
    if (out.dims[i] == 0) {
      fail(path, "dimension " + std::to_string(i) + " is zero (byte offset " +
                     std::to_string(4 + 4 * i) + ")");
    }
    // Checked before multiplying: the product of up to 255 uint32 extents overflows size_t.
    if (out.dims[i] > kIdxMaxBytes / total) {
      fail(path, "absurd dimensions " + dims_str(std::vector<std::size_t>(out.dims.begin(),
                                                                         out.dims.begin() + i + 1)) +
                     (i + 1 < ndim ? "..." : "") + ": the array would exceed the " +
                     std::to_string(kIdxMaxBytes >> 20) + " MiB limit");
    }
    total *= out.dims[i];
  }
  const std::size_t expected_end = header_size + total;
  const std::string promise = "the header " + dims_str(out.dims) + " promises " +
                              std::to_string(total) + " data bytes after the " +
                              std::to_string(header_size) + "-byte header (file size " +
                              std::to_string(expected_end) + ")";

  const long long size = src.known_size();
  if (size >= 0 && static_cast<std::size_t>(size) < expected_end) {
    fail(path, "truncated data: " + promise + ", but the file ends at byte offset " +
                   std::to_string(size));
  }
  if (size >= 0 && static_cast<std::size_t>(size) > expected_end) {
    fail(path, "trailing bytes: " + promise + ", but the file has " +
                   std::to_string(static_cast<std::size_t>(size) - expected_end) +
                   " more bytes after byte offset " + std::to_string(expected_end));
  }

  // A regular plain file's size was checked against the claim above, so the claim is true and is
  // allocated at once. Otherwise (gzip, a pipe) the size is unknown until the stream ends, so the
  // buffer doubles as data actually arrives, capped by the claim: a lying header costs a small
  // multiple of the bytes really present (old and new buffer while doubling), never its claim.
  constexpr std::size_t kFirstGrowth = std::size_t(64) << 10;
  std::size_t have = 0;
  while (have < total) {
    if (have == out.data.size()) {
      const std::size_t next = size >= 0 ? total : std::min(total, std::max(2 * have, kFirstGrowth));
      out.data.reserve(next);  // exact: resize alone may round capacity past the claim
      out.data.resize(next);
    }
    const std::size_t want = out.data.size() - have;
    const std::size_t got = src.read(out.data.data() + have, want);
    have += got;
    if (got < want) {
      fail(path, "truncated data: " + promise + ", but the file ends at byte offset " +
                     std::to_string(header_size + have) + where);
    }
  }
  std::uint8_t extra[4096];
  std::size_t trailing = 0;
  for (std::size_t got; (got = src.read(extra, sizeof extra)) > 0;) trailing += got;
  if (trailing > 0) {
    fail(path, "trailing bytes: " + promise + ", but " + std::to_string(trailing) +
                   " more bytes follow from byte offset " + std::to_string(expected_end) + where);
  }
  return out;
}

}  // namespace

IdxArray read_idx(const std::string& path, std::uint32_t expected_magic) {
  FilePtr file = open_for_read(path);
  std::uint8_t sig[2] = {0, 0};
  const std::size_t got = std::fread(sig, 1, 2, file.get());
  std::rewind(file.get());
  if (got == 2 && sig[0] == 0x1f && sig[1] == 0x8b) {
    GzipSource src(file.get(), path);
    return parse(src, path, expected_magic, true);
  }
  PlainSource src(file.get(), path);
  return parse(src, path, expected_magic, false);
}

IdxArray read_idx_images(const std::string& path) { return read_idx(path, kIdxImagesMagic); }

IdxArray read_idx_labels(const std::string& path) { return read_idx(path, kIdxLabelsMagic); }

namespace {
// `bytes` as one gzip member (deflate level 9), compressed in memory so the file can be written
// atomically in one piece.
std::string gzip_compress(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  if (bytes.size() > 0xFFFFFFFFu) fail(path, "cannot write: more than 4 GiB to gzip in one piece");
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    fail(path, "cannot write: zlib could not start compressing");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
  z.next_in = const_cast<Bytef*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const std::size_t produced = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) fail(path, "cannot write: zlib compression failed (" + std::to_string(rc) + ")");
  out.resize(produced);
  return out;
}
}  // namespace

void write_idx(const std::string& path, const IdxArray& array, bool gzip) {
  if (array.dims.empty() || array.dims.size() > 255) {
    fail(path, "cannot write: an IDX array needs 1 to 255 dimensions, got " +
                   std::to_string(array.dims.size()));
  }
  std::vector<std::uint8_t> bytes;
  bytes.reserve(4 + 4 * array.dims.size() + array.data.size());
  bytes.insert(bytes.end(), {0, 0, 0x08, static_cast<std::uint8_t>(array.dims.size())});
  std::size_t total = 1;
  for (std::size_t d : array.dims) {
    if (d == 0 || d > 0xFFFFFFFFu) fail(path, "cannot write: extent " + std::to_string(d));
    total *= d;
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  if (total != array.data.size()) {
    fail(path, "cannot write: dims " + dims_str(array.dims) + " need " + std::to_string(total) +
                   " bytes but the array holds " + std::to_string(array.data.size()));
  }
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());

  std::string out;
  if (gzip) {
    out = gzip_compress(bytes, path);
  } else {
    out.assign(bytes.begin(), bytes.end());
  }
  try {
    write_file_atomically(path, out);
  } catch (const FileError& e) {
    throw DataError(std::string("IDX file: ") + e.what());
  }
}

}  // namespace minidl
