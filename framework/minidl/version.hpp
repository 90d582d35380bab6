#pragma once
// The version of minidl (semantic versioning: while the major version is 0, a minor release may
// change the API). The build reads the numbers from this file, so it is the only place they live;
// CHANGELOG.md says what each release changed.

#include <string>

#define MINIDL_VERSION_MAJOR 0
#define MINIDL_VERSION_MINOR 2
#define MINIDL_VERSION_PATCH 0
#define MINIDL_VERSION_STRING "0.2.0"

namespace minidl {

/// Major version of the headers being compiled.
inline constexpr int kVersionMajor = MINIDL_VERSION_MAJOR;
/// Minor version of the headers being compiled.
inline constexpr int kVersionMinor = MINIDL_VERSION_MINOR;
/// Patch version of the headers being compiled.
inline constexpr int kVersionPatch = MINIDL_VERSION_PATCH;
/// "major.minor.patch" of the headers being compiled.
inline constexpr const char* kVersionString = MINIDL_VERSION_STRING;

/// "major.minor.patch" of the libminidl that was linked. It differs from kVersionString only when
/// headers and library come from different installs, which is worth printing when in doubt.
const char* library_version();

/// The line every minidl program prints for --version: "train (minidl 0.2.0)".
std::string version_banner(const std::string& program);

/// For programs without a flag parser: prints version_banner(program) and returns true when the
/// only argument is --version (the caller then exits with 0); returns false otherwise.
bool print_version_if_requested(int argc, const char* const* argv, const std::string& program);

}  // namespace minidl
