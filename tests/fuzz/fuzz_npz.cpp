// libFuzzer target for the NumPy readers (parse_npz, and parse_npy through it).
//
// Input: one mode byte, then the data. Mode bit 0 clear: the data is an .npz archive, read as
// given. Bit 0 set: the data is one .npy image, which the target wraps in a valid archive first, so
// mutations of the array's header and elements reach the .npy parser behind the ZIP layer's CRC.
// Every input must either read or raise NpyError, and every array read must hold exactly as many
// values as its shape says.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "minidl/detail/zip.hpp"
#include "minidl/io/npz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) bytes = minidl::zip_detail::write_zip({{"x.npy", bytes}}, false);
  try {
    const minidl::NpzArchive archive = minidl::parse_npz(bytes, "fuzz.npz");
    for (const auto& [name, array] : archive.arrays) {
      if (array.values.size() != minidl::shape_size(array.shape)) std::abort();
    }
  } catch (const minidl::NpyError&) {
  }
  return 0;
}
