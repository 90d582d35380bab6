#pragma once
// NumPy's .npy format (one array: a magic string, a Python-dict header, the raw elements), read
// and written so arrays move between minidl and NumPy without either side converting by hand.
//
//   minidl::write_npy("w.npy", W.data());          // numpy.load("w.npy")
//   minidl::NpyArray a = minidl::read_npy("x.npy"); // from numpy.save("x.npy", x)
//   minidl::Tensor<float> x = a.to_tensor<float>();

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "minidl/core/tensor.hpp"

namespace minidl {

/// A malformed or unsupported .npy or .npz file. The message names the file, the member of an
/// archive and the byte offset where the problem is.
class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One array as NumPy stored it, its elements converted to double in C (row-major) order. Every
/// float32, float64, bool and integer value below 2^53 converts exactly.
struct NpyArray {
  Shape shape;                ///< one extent per axis; empty for a 0-d array
  std::string dtype;          ///< NumPy's type string as stored, e.g. "<f4", "<f8", "|u1", ">i8"
  std::vector<double> values; ///< shape_size(shape) elements, row-major (Fortran-ordered files are transposed)

  /// The values as a Tensor<T> of this shape (float64 data loses precision as float32, as in NumPy).
  template <typename T>
  Tensor<T> to_tensor() const;
};

/// Decodes one .npy image held in `bytes`. Accepts format versions 1-3; little- or big-endian
/// float32, float64, signed and unsigned 8-64-bit integers, and bool; C or Fortran
/// order. Errors are NpyError "<where> at byte <base_offset + i>: <problem>", e.g. for a bad magic
/// string, a header that is not a dict with 'descr', 'fortran_order' and 'shape', an unsupported
/// dtype (structured, object, complex, ...) or too few or too many data bytes.
NpyArray parse_npy(const std::string& bytes, const std::string& where, std::size_t base_offset = 0);

/// The .npy image of `t` (format 1.0, dtype "<f4" for float and "<f8" for double, C order), the
/// header padded so the data starts at a multiple of 64 bytes, as NumPy does.
template <typename T>
std::string npy_bytes(const Tensor<T>& t);

/// Reads a .npy file (numpy.save). Throws FileError (io/atomic_file.hpp) when it cannot be read,
/// NpyError naming the file when its content is not a supported array.
NpyArray read_npy(const std::string& path);

/// Writes `t` as a .npy file atomically (io/atomic_file.hpp). Throws FileError on failure.
template <typename T>
void write_npy(const std::string& path, const Tensor<T>& t);

}  // namespace minidl
