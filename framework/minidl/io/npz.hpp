#pragma once
// NumPy .npz archives (np.savez / np.savez_compressed): a ZIP of .npy arrays, one per name.
// Models go out keyed by their parameter names and come back in from NumPy code:
//
//   minidl::save_npz(model, "params.npz");            // np.load("params.npz")["fc1.W"]
//   minidl::load_npz(net, "book.npz", minidl::models::two_layer_net_book_names());  // W1, b1, W2, b2

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "minidl/io/npy.hpp"
#include "minidl/nn/module.hpp"

namespace minidl {

/// The arrays of an .npz archive, in the archive's order, named as numpy.load names them (the
/// member name without its ".npy").
struct NpzArchive {
  std::string path;                                     ///< the file read (for messages)
  std::vector<std::pair<std::string, NpyArray>> arrays; ///< (name, array) in archive order

  /// True when the archive holds an array of this name.
  bool contains(const std::string& name) const;
  /// The array of this name. Throws NpyError naming the file, the name and the names it holds.
  const NpyArray& at(const std::string& name) const;
  /// The names, in archive order.
  std::vector<std::string> names() const;
};

/// Reads an .npz file written by np.savez or np.savez_compressed (stored or deflated members,
/// ZIP64 records). Throws FileError (io/atomic_file.hpp) when the file cannot be read, NpyError
/// naming the file, the member and the byte offset when the archive or an array in it is corrupt
/// or unsupported (e.g. a CRC mismatch, a pickled object array, a member that is not a .npy), or
/// when two members have the same name.
NpzArchive read_npz(const std::string& path);

/// Decodes an .npz image held in memory; `path` is used in messages only.
NpzArchive parse_npz(const std::string& bytes, const std::string& path);

/// The .npz image of `arrays` ((name, tensor) pairs; each becomes member "<name>.npy"), deflated
/// like np.savez_compressed when `compressed`, else stored like np.savez. Throws
/// std::invalid_argument for an empty or duplicate name, or a name holding '/' or '\\'.
template <typename T>
std::string npz_bytes(const std::vector<std::pair<std::string, Tensor<T>>>& arrays, bool compressed = false);

/// Writes npz_bytes(arrays, compressed) to `path` atomically. Throws FileError on failure.
template <typename T>
void write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor<T>>>& arrays,
               bool compressed = false);

/// Writes every parameter and buffer of `model` to `path`, keyed by qualified name ("fc1.W",
/// "bn1.running_mean"), in named_parameters() then named_buffers() order.
template <typename T>
void save_npz(const Module<T>& model, const std::string& path, bool compressed = false);

/// Fills every parameter and buffer of `model` from the .npz file at `path`. `names` maps archive
/// names to the model's qualified names (e.g. "W1" -> "affine1.W"); a name it does not list is
/// looked up as is. Every parameter and buffer must be found, with exactly its shape, and every
/// array of the archive must be used: otherwise NpyError names the file and lists what is missing,
/// what is left over, or the member and both shapes. Values of any supported dtype are converted to
/// T. Nothing is changed unless everything matches.
template <typename T>
void load_npz(Module<T>& model, const std::string& path, const std::map<std::string, std::string>& names = {});

}  // namespace minidl
