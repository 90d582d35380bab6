#pragma once
// Checkpoints: a module's parameters and buffers saved by qualified name ("fc1.W") to a versioned
// binary file with a CRC-32 checksum. Saving writes a temporary file beside the target and renames
// it over the target, so a crash mid-save never destroys the previous checkpoint.
//
// Layout (little-endian): "MINIDLCK" | u32 version | u32 bytes-per-element | u64 entries |
//   per entry: u32 kind (0 parameter, 1 buffer) | u32 name length | name | u32 ndim | u64 dims[ndim]
//              | raw elements
// | u32 CRC-32 of every preceding byte.

#include <stdexcept>
#include <string>

#include "minidl/nn/module.hpp"

namespace minidl {

/// Raised for every unreadable, corrupt or mismatched checkpoint; the message names the file.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The checkpoint format version this build writes and reads.
constexpr std::uint32_t kCheckpointVersion = 1;

/// Saves every parameter and buffer of `module` to `path` (atomically: temp file, then rename).
/// Throws CheckpointError if the file cannot be written.
template <typename T>
void save_checkpoint(const Module<T>& module, const std::string& path);

/// Loads `path` into `module`. The file must hold exactly the module's parameter and buffer names
/// with the same shapes and element type; otherwise CheckpointError says which name, shape,
/// version or checksum is wrong, and the module is left untouched.
template <typename T>
void load_checkpoint(Module<T>& module, const std::string& path);

}  // namespace minidl
