// Whole-file writes that replace atomically, and reads, with the OS reason in every error.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <minidl/io/atomic_file.hpp>

using namespace minidl;

namespace {
bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}
}  // namespace

TEST_CASE("write_file_atomically replaces the file and leaves no temporary behind", "[io][atomic]") {
  const std::string path = "minidl_test_atomic.bin";
  write_file_atomically(path, std::string("first\0with nul", 14));
  REQUIRE(read_whole_file(path) == std::string("first\0with nul", 14));
  write_file_atomically(path, "second");
  REQUIRE(read_whole_file(path) == "second");
  write_file_atomically(path, "");
  REQUIRE(read_whole_file(path).empty());
  REQUIRE_FALSE(exists(path + ".tmp"));
  std::remove(path.c_str());
}

TEST_CASE("File errors name the path, the step and the OS reason", "[io][atomic]") {
  REQUIRE_THROWS_WITH(write_file_atomically("minidl_no_such_dir/x.bin", "x"),
                      Catch::Contains("cannot write 'minidl_no_such_dir/x.bin'") &&
                          Catch::Contains("cannot create 'minidl_no_such_dir/x.bin.tmp'") &&
                          Catch::Contains("No such file or directory"));
  REQUIRE_THROWS_WITH(read_whole_file("minidl_no_such_file.bin"),
                      Catch::Contains("cannot open 'minidl_no_such_file.bin'") && Catch::Contains("No such file or directory"));
  // A folder where the file should be: the rename fails, and the temporary file is removed.
  const std::string dir = "minidl_test_atomic_dir";
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  REQUIRE_THROWS_WITH(write_file_atomically(dir, "x"), Catch::Contains("renaming '" + dir + ".tmp' to it failed: Is a directory"));
  REQUIRE_FALSE(exists(dir + ".tmp"));
  REQUIRE_THROWS_WITH(read_whole_file(dir), Catch::Contains("cannot read '" + dir + "': it is a folder"));
  ::rmdir(dir.c_str());
}

TEST_CASE("read_whole_file refuses a FIFO at once instead of waiting for a writer", "[io][atomic]") {
  const std::string fifo = "minidl_test_atomic_fifo";
  ::unlink(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Without a writer, a blocking open would never return and this test would hang.
  REQUIRE_THROWS_WITH(read_whole_file(fifo), Catch::Contains("cannot read '" + fifo + "': it is not a regular file"));
  ::unlink(fifo.c_str());
}
