#pragma once
// Whole-file reads and crash-safe whole-file writes, with the OS's reason in every error.

#include <stdexcept>
#include <string>

namespace minidl {

/// Raised when a file cannot be read or written; the message names the path, the failing step
/// and the OS reason (strerror).
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Replaces `path` with `bytes` so that a crash or power cut at any moment leaves either the old
/// file or the complete new one: the bytes go to `path`.tmp, which is fsync'ed, renamed over
/// `path`, and then the folder is fsync'ed so the rename itself is on disk. On failure the
/// temporary file is removed, the old file is untouched and FileError says which step failed.
void write_file_atomically(const std::string& path, const std::string& bytes);

/// The whole content of `path`. Throws FileError (with the OS reason) if it cannot be opened or
/// read, or is a folder.
std::string read_whole_file(const std::string& path);

}  // namespace minidl
