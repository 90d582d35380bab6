#pragma once
// Reading IDX files, the format MNIST and Fashion-MNIST are published in.
//
// An IDX file is a big-endian header followed by the raw array:
//   bytes 0-1  zero
//   byte  2    element type (0x08 = unsigned byte, the only type minidl reads)
//   byte  3    number of dimensions d
//   4*d bytes  the extents, each a big-endian uint32 (the first is the item count)
//   data       prod(extents) elements, row-major
// So MNIST images have magic 0x00000803 (ubyte, 3 dims: N,28,28) and labels 0x00000801 (ubyte, N).
// Files may be gzip-compressed; that is recognised by the gzip magic bytes 1f 8b, never by name.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace minidl {

/// Every problem with a data file (missing, truncated, malformed, inconsistent) is a DataError whose
/// message names the file, what is wrong and, where it helps, the byte offset.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An unsigned-byte IDX array held as raw bytes (uint8 keeps MNIST at 55 MB instead of 220 MB).
struct IdxArray {
  std::vector<std::size_t> dims;    ///< extents, e.g. {60000, 28, 28}; dims[0] is the item count
  std::vector<std::uint8_t> data;   ///< prod(dims) bytes, row-major

  /// Number of items (dims[0]).
  std::size_t count() const { return dims.empty() ? 0 : dims[0]; }
  /// Bytes per item: the product of dims[1:] (1 for a 1-d array such as labels).
  std::size_t item_size() const;
};

/// IDX magic numbers of the MNIST files: unsigned bytes with 3 dims (images) or 1 dim (labels).
constexpr std::uint32_t kIdxImagesMagic = 0x00000803;
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;

/// Largest array minidl agrees to read (1 GiB): guards against allocating what a corrupt header
/// claims before noticing the file is far shorter.
constexpr std::size_t kIdxMaxBytes = std::size_t(1) << 30;

/// Reads an unsigned-byte IDX file, plain or gzip-compressed.
/// If `expected_magic` is non-zero the file's magic must equal it (e.g. kIdxImagesMagic).
/// Throws DataError when the file cannot be opened, is not IDX, has an unsupported element type,
/// a zero or oversized extent, or when its size disagrees with its header (truncated data or
/// trailing bytes, reported with the byte offset; offsets in gzip files count decompressed bytes).
IdxArray read_idx(const std::string& path, std::uint32_t expected_magic = 0);

/// read_idx requiring magic 0x00000803 (images: N x rows x cols).
IdxArray read_idx_images(const std::string& path);

/// read_idx requiring magic 0x00000801 (labels: N).
IdxArray read_idx_labels(const std::string& path);

/// Writes `array` as an unsigned-byte IDX file, gzip-compressed if `gzip` (for saving subsets and
/// for tests). The file is replaced atomically (write_file_atomically): a crash leaves the old file
/// or the whole new one. Throws DataError if the file cannot be written (with the OS reason) or
/// dims/data disagree.
void write_idx(const std::string& path, const IdxArray& array, bool gzip = false);

}  // namespace minidl
