// Checkpoints: round trip, atomic replacement, and a clear error for every kind of bad file.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <minidl/io/checkpoint.hpp>
#include <minidl/minidl.hpp>

#include <minidl/models/mlp.hpp>

using namespace minidl;

namespace {
std::string temp_path(const std::string& name) { return "minidl_test_" + std::to_string(::getpid()) + "_" + name; }

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}
}  // namespace

TEST_CASE("A checkpoint round-trips every parameter by name", "[checkpoint]") {
  const std::string path = temp_path("roundtrip.ckpt");
  Generator g1(1), g2(2);
  models::MLP<float> a({6, 4, 3}, g1), b({6, 4, 3}, g2);
  REQUIRE_FALSE((a.parameters()[0].data() == b.parameters()[0].data()));
  save_checkpoint(a, path);
  load_checkpoint(b, path);
  for (std::size_t i = 0; i < a.parameters().size(); ++i) REQUIRE((a.parameters()[i].data() == b.parameters()[i].data()));
  std::remove(path.c_str());
}

TEST_CASE("Saving replaces the old checkpoint atomically and leaves no temp file", "[checkpoint]") {
  const std::string path = temp_path("atomic.ckpt");
  Generator gen(3);
  models::MLP<double> m({3, 2}, gen);
  save_checkpoint(m, path);
  const std::string first = read_all(path);
  m.parameters()[0].data()(0, 0) += 1.0;
  save_checkpoint(m, path);
  REQUIRE(read_all(path) != first);
  REQUIRE_FALSE(std::ifstream(path + ".tmp").good());
  // A save that cannot even create its temp file fails without touching the existing checkpoint.
  const std::string before = read_all(path);
  REQUIRE_THROWS_AS(save_checkpoint(m, "no_such_dir_minidl/x.ckpt"), CheckpointError);
  REQUIRE_THROWS_WITH(save_checkpoint(m, "no_such_dir_minidl/x.ckpt"), Catch::Contains("No such file or directory"));
  REQUIRE(read_all(path) == before);
  std::remove(path.c_str());
}

TEST_CASE("Loading a bad checkpoint names the problem and leaves the model untouched", "[checkpoint]") {
  const std::string path = temp_path("bad.ckpt");
  Generator gen(4);
  models::MLP<float> m({5, 4, 2}, gen);
  save_checkpoint(m, path);
  const std::string good = read_all(path);
  const Tensor<float> before = m.parameters()[0].data();

  SECTION("missing file") { REQUIRE_THROWS_WITH(load_checkpoint(m, temp_path("nope.ckpt")), Catch::Contains("cannot open")); }
  SECTION("wrong magic") {
    std::string bad = good;
    bad[0] = 'X';
    write_all(path, bad);
    REQUIRE_THROWS_WITH(load_checkpoint(m, path), Catch::Contains("not a minidl checkpoint"));
  }
  SECTION("flipped byte fails the checksum") {
    std::string bad = good;
    bad[bad.size() / 2] ^= 0x40;
    write_all(path, bad);
    REQUIRE_THROWS_WITH(load_checkpoint(m, path), Catch::Contains("checksum"));
  }
  SECTION("truncated") {
    write_all(path, good.substr(0, good.size() - 9));
    REQUIRE_THROWS_AS(load_checkpoint(m, path), CheckpointError);
  }
  SECTION("future version") {
    std::string bad = good;
    bad[8] = 9;
    write_all(path, bad);
    REQUIRE_THROWS_WITH(load_checkpoint(m, path), Catch::Contains("version 9"));
  }
  SECTION("different architecture") {
    Generator g(5);
    models::MLP<float> other({5, 3, 2}, g);
    save_checkpoint(other, path);
    REQUIRE_THROWS_WITH(load_checkpoint(m, path), Catch::Contains("entry 'fc1.W' (byte offset ") && Catch::Contains("has shape (5,3) but the model expects (5,4)"));
  }
  SECTION("different names") {
    Generator g(6);
    models::MLP<float> deeper({5, 4, 2, 2}, g);
    save_checkpoint(deeper, path);
    REQUIRE_THROWS_WITH(load_checkpoint(m, path), Catch::Contains("fc3"));
  }
  SECTION("different dtype") {
    Generator g(7);
    models::MLP<double> dbl({5, 4, 2}, g);
    save_checkpoint(dbl, path);
    REQUIRE_THROWS_WITH(load_checkpoint(m, path), Catch::Contains("float64"));
  }
  REQUIRE((m.parameters()[0].data() == before));
  std::remove(path.c_str());
}
