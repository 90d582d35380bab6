#include "minidl/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace minidl {

namespace {

std::string os_reason() { return std::strerror(errno); }

// The folder holding `path` ("." for a bare file name), whose entry the rename changes.
std::string parent_folder(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes all of `bytes` to `fd`, retrying short writes and EINTR; false with errno set on failure.
bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FileError("cannot write '" + path + "': cannot create '" + tmp + "': " + os_reason());
  auto fail = [&](const std::string& step) {
    const std::string why = os_reason();
    ::unlink(tmp.c_str());
    throw FileError("cannot write '" + path + "': " + step + ": " + why);
  };
  if (!write_all(fd, bytes)) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("writing '" + tmp + "' failed");
  }
  // The data must be on disk before the rename makes it the file: otherwise a crash could leave
  // the new name pointing at an empty or partial file.
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("fsync of '" + tmp + "' failed");
  }
  if (::close(fd) != 0) fail("closing '" + tmp + "' failed");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("renaming '" + tmp + "' to it failed");
  // The rename lives in the folder: fsync the folder so the new entry survives a power cut.
  const std::string folder = parent_folder(path);
  const int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw FileError("wrote '" + path + "' but cannot open its folder '" + folder + "' to fsync it: " + os_reason());
  if (::fsync(dfd) != 0) {
    const std::string why = os_reason();
    ::close(dfd);
    throw FileError("wrote '" + path + "' but fsync of its folder '" + folder + "' failed: " + why);
  }
  ::close(dfd);
}

std::string read_whole_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it is
  // refused below with the other non-files. Reads of a regular file ignore the flag.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw FileError("cannot open '" + path + "': " + os_reason());
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  if (!stat_ok || !S_ISREG(st.st_mode)) {
    const std::string why = !stat_ok ? os_reason()
                            : S_ISDIR(st.st_mode) ? std::string("it is a folder")
                                                  : std::string("it is not a regular file (a FIFO, socket or device)");
    ::close(fd);
    throw FileError("cannot read '" + path + "': " + why);
  }
  std::string out;
  if (st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = os_reason();
      ::close(fd);
      throw FileError("cannot read '" + path + "': " + why);
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace minidl
