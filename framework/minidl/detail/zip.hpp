#pragma once
// The ZIP container as NumPy's .npz files use it: members stored or deflated, with ZIP64 records
// (np.savez writes its local headers with ZIP64 fields). Internal to minidl (io/npz.hpp is the
// public face); encryption, multi-disk archives and other compression methods are refused.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace minidl::zip_detail {

/// A malformed or unsupported archive. The message names the member (when there is one), the byte
/// offset in the archive and the problem, but not the file: the caller adds that.
class ZipError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One member of an archive, already decompressed and checked against its CRC-32.
struct ZipMember {
  std::string name;         ///< the name as stored ("W1.npy")
  std::string data;         ///< the uncompressed bytes
  std::size_t data_offset;  ///< where the member's (possibly compressed) bytes start in the archive
};

/// Every member of the archive `bytes`, in central-directory order. Throws ZipError for a missing
/// end record, a truncated or inconsistent record, an encrypted member, a method other than stored
/// (0) or deflate (8), a deflate stream that does not decode to the announced size, or a CRC-32
/// mismatch.
std::vector<ZipMember> read_zip(const std::string& bytes);

/// What a member to write holds.
struct ZipInput {
  std::string name;  ///< member name
  std::string data;  ///< uncompressed bytes
};

/// An archive holding `members` in order, each deflated when `deflate` is true, else stored. Every
/// member gets the same fixed timestamp (1980-01-01 00:00), so the same input gives the same bytes.
/// Throws ZipError for a member of 4 GiB or more, or more than 65535 members (ZIP64 is not written).
std::string write_zip(const std::vector<ZipInput>& members, bool deflate);

}  // namespace minidl::zip_detail
