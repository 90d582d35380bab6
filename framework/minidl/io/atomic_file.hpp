#pragma once
// Writing a whole file so that readers (and a crash, or a process killed mid-write) only ever see
// the old contents or the new ones: write `path`.tmp, fsync it, rename it over `path`, fsync the
// folder so the rename itself is on disk.

#include <string>

namespace minidl {

/// Replaces the file at `path` by `contents` atomically (see above). Throws std::runtime_error
/// naming the file, the failed system call and the OS reason (strerror); the old file is then
/// untouched and the temporary removed.
void write_file_atomically(const std::string& path, const std::string& contents);

/// Renames `from` over `to` and fsyncs the folder of `to`, for files written by another program
/// (a plot from gnuplot). Throws std::runtime_error with the OS reason.
void replace_file(const std::string& from, const std::string& to);

}  // namespace minidl
