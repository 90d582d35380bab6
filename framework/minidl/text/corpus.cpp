#include "minidl/text/corpus.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "minidl/text/utf8.hpp"

namespace minidl {
namespace text {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw DataError("text corpus '" + path + "': " + what);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, std::string("read error: ") + std::strerror(errno));
  return bytes;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

void append_lines(const std::string& path, const CorpusOptions& options, Corpus& corpus) {
  const std::string bytes = read_file(path);
  if (bytes.empty()) fail(path, "the file is empty");
  const std::size_t bad = first_invalid_utf8(bytes);
  if (bad != std::string::npos) {
    const auto b = static_cast<unsigned>(static_cast<unsigned char>(bytes[bad]));
    fail(path, "not UTF-8 text (binary?): " + std::string(b == 0 ? "NUL byte" : "invalid byte " + std::to_string(b)) +
                   " at byte offset " + std::to_string(bad));
  }
  corpus.files.push_back(path);
  corpus.bytes += bytes.size();
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string::npos) end = bytes.size();
    std::string line = bytes.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    start = end + 1;
    if (!options.separator_line.empty() && line == options.separator_line) continue;
    if (options.skip_blank_lines && blank(line)) continue;
    corpus.lines.push_back(std::move(line));
  }
}

}  // namespace

Corpus read_corpus(const std::string& path, const CorpusOptions& options) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) fail(path, "cannot access: " + ec.message());
  Corpus corpus;
  if (fs::is_directory(status)) {
    std::vector<std::string> files;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::directory_entry& entry = *it;
      if (options.skip_symlinks && entry.is_symlink()) continue;
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      const bool skipped = std::any_of(options.skip_suffixes.begin(), options.skip_suffixes.end(),
                                       [&](const std::string& s) { return ends_with(name, s); });
      if (!skipped) files.push_back(entry.path().string());
    }
    if (ec) fail(path, "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) fail(path, "the folder holds no text file to read");
    for (const auto& f : files) append_lines(f, options, corpus);
  } else if (fs::exists(status)) {
    append_lines(path, options, corpus);
  } else {
    fail(path, std::string("cannot access: ") + std::strerror(ENOENT));
  }
  if (corpus.lines.empty()) fail(path, "no line of text is left after dropping blank and separator lines");
  return corpus;
}

CorpusOptions fortunes_options() {
  CorpusOptions options;
  options.skip_suffixes = {".dat", ".u8"};
  options.skip_symlinks = true;
  options.separator_line = "%";
  return options;
}

bool fortunes_available(const std::string& folder) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(folder) / "fortunes", ec);
}

}  // namespace text
}  // namespace minidl
