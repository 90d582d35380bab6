#include "minidl/version.hpp"

#include <cstdio>
#include <cstring>

namespace minidl {

const char* library_version() { return MINIDL_VERSION_STRING; }

std::string version_banner(const std::string& program) {
  return program + " (minidl " + MINIDL_VERSION_STRING + ")";
}

bool print_version_if_requested(int argc, const char* const* argv, const std::string& program) {
  if (argc != 2 || std::strcmp(argv[1], "--version") != 0) return false;
  std::printf("%s\n", version_banner(program).c_str());
  return true;
}

}  // namespace minidl
