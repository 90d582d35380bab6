// The version: one source (version.hpp) for headers, library and programs.
#include <catch2/catch.hpp>

#include <string>

#include <minidl/version.hpp>

TEST_CASE("version: headers and library agree, banner and --version", "[version]") {
  const std::string header = std::to_string(minidl::kVersionMajor) + "." + std::to_string(minidl::kVersionMinor) +
                             "." + std::to_string(minidl::kVersionPatch);
  CHECK(header == minidl::kVersionString);
  CHECK(std::string(minidl::library_version()) == minidl::kVersionString);
  CHECK(minidl::version_banner("train") == std::string("train (minidl ") + minidl::kVersionString + ")");

  const char* asks[] = {"prog", "--version"};
  const char* other[] = {"prog", "--help"};
  const char* extra[] = {"prog", "--version", "x"};
  const char* none[] = {"prog"};
  CHECK(minidl::print_version_if_requested(2, asks, "prog"));
  CHECK_FALSE(minidl::print_version_if_requested(2, other, "prog"));
  CHECK_FALSE(minidl::print_version_if_requested(3, extra, "prog"));
  CHECK_FALSE(minidl::print_version_if_requested(1, none, "prog"));
}
