#pragma once
// Reading a text corpus: one UTF-8 file or every file of a folder, as lines. Empty and binary files
// are refused with a DataError naming the file (and, for binary content, the byte offset), so a
// wrong path never turns into a silently tiny or garbled training set.

#include <cstddef>
#include <string>
#include <vector>

#include "minidl/data/idx.hpp"  // DataError

namespace minidl {
namespace text {

/// Which files of a folder to read and which lines to drop.
struct CorpusOptions {
  /// Files whose name ends with one of these are skipped in a folder (e.g. ".dat", the binary index
  /// files that sit beside the fortune files). A file named explicitly is always read.
  std::vector<std::string> skip_suffixes;
  /// Symbolic links inside a folder are skipped (the fortunes package links "x.u8" to "x", which
  /// would read every file twice).
  bool skip_symlinks = true;
  /// Lines equal to this (after trimming trailing '\r') are dropped: "%" separates fortunes.
  /// Empty: keep every line.
  std::string separator_line;
  /// Blank lines (only whitespace) are dropped when true.
  bool skip_blank_lines = true;
};

/// A corpus as read: its lines in file order (files sorted by name), without line terminators.
struct Corpus {
  std::vector<std::string> lines;  ///< the kept lines
  std::vector<std::string> files;  ///< the files read, in order
  std::size_t bytes = 0;           ///< total size of the files read
};

/// Reads `path`: a regular file, or a folder whose regular files (not recursing into sub-folders)
/// are read in name order. Throws DataError when the path does not exist or cannot be read (with
/// the OS reason), when a file is empty, when a file is not UTF-8 text (a NUL byte or an invalid
/// sequence: the message names the file and the byte offset), or when nothing is left to read.
Corpus read_corpus(const std::string& path, const CorpusOptions& options = {});

/// Where the Debian package "fortunes" installs its plain-text quotations.
constexpr const char* kFortunesFolder = "/usr/share/games/fortunes";

/// The options that read the fortunes folder as English text: skip the ".dat" index files and the
/// ".u8" links, drop the "%" separator lines.
CorpusOptions fortunes_options();

/// True when the fortunes package is installed (its folder holds at least one fortune file).
bool fortunes_available(const std::string& folder = kFortunesFolder);

}  // namespace text
}  // namespace minidl
