// The checkpoint reader against tiny hand-made files: every malformed field is rejected with a
// CheckpointError that names the file, the entry and its byte offset, never a crash or a load of
// wrong values. The files are assembled byte by byte here, with a CRC-32 computed independently
// of the library's (bitwise, polynomial 0xEDB88320), so a writer bug cannot hide a reader bug.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <minidl/io/checkpoint.hpp>
#include <minidl/minidl.hpp>

#include <minidl/models/mlp.hpp>

using namespace minidl;

namespace {

std::uint32_t crc32_bitwise(const std::string& s) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// Builds a checkpoint file field by field.
class FileBuilder {
 public:
  FileBuilder& u32(std::uint32_t v) { return raw(&v, 4); }
  FileBuilder& u64(std::uint64_t v) { return raw(&v, 8); }
  FileBuilder& f32(float v) { return raw(&v, 4); }
  FileBuilder& text(const std::string& s) {
    bytes_ += s;
    return *this;
  }
  FileBuilder& raw(const void* p, std::size_t n) {
    bytes_.append(static_cast<const char*>(p), n);
    return *this;
  }
  /// Header up to (not including) the entry count: magic, version, element size, and for v2 the
  /// metadata.
  FileBuilder& header(std::uint32_t version, const std::string& metadata = "{}") {
    text("MINIDLCK").u32(version).u32(4);
    if (version >= 2) u64(metadata.size()).text(metadata);
    return *this;
  }
  /// One entry of float32 values.
  FileBuilder& entry(std::uint32_t kind, const std::string& name, const std::vector<std::uint64_t>& dims,
                     const std::vector<float>& values) {
    u32(kind).u32(static_cast<std::uint32_t>(name.size())).text(name).u32(static_cast<std::uint32_t>(dims.size()));
    for (auto d : dims) u64(d);
    for (float v : values) f32(v);
    return *this;
  }
  std::size_t size() const { return bytes_.size(); }
  /// The bytes with their CRC appended, written to `path`.
  void write(const std::string& path) const {
    std::string all = bytes_;
    const std::uint32_t crc = crc32_bitwise(all);
    all.append(reinterpret_cast<const char*>(&crc), 4);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << all;
  }

 private:
  std::string bytes_;
};

// The model every file here is meant for: fc1.W (1,1) and fc1.b (1).
struct Tiny {
  Generator gen{3};
  models::MLP<float> net{{1, 1}, gen};
  float w() const { return net.parameters()[0].data()(0, 0); }
};

const std::string kPath = "minidl_test_parser_" + std::to_string(::getpid()) + ".ckpt";

}  // namespace

TEST_CASE("A well-formed hand-made file loads, so the builder below is right", "[checkpoint][parser]") {
  for (std::uint32_t version : {1u, 2u}) {
    FileBuilder f;
    f.header(version).u64(2).entry(0, "fc1.W", {1, 1}, {2.5f}).entry(0, "fc1.b", {1}, {-1.0f});
    f.write(kPath);
    Tiny t;
    load_checkpoint(t.net, kPath);
    REQUIRE(t.w() == 2.5f);
    REQUIRE(t.net.parameters()[1].data()(0) == -1.0f);
  }
  std::remove(kPath.c_str());
}

TEST_CASE("Entry kinds are checked: unknown kinds and a parameter stored as a buffer", "[checkpoint][parser]") {
  Tiny t;
  const float before = t.w();
  // Header of a v1 file: 8 magic + 4 version + 4 element size + 8 count = 24 bytes.
  SECTION("kind 7") {
    FileBuilder().header(1).u64(2).entry(7, "fc1.W", {1, 1}, {2.5f}).entry(0, "fc1.b", {1}, {0.f}).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath), Catch::Contains("checkpoint " + kPath) &&
                                                          Catch::Contains("entry 'fc1.W' (byte offset 24) has unknown kind 7"));
  }
  SECTION("kind 65536") {
    FileBuilder().header(1).u64(2).entry(0, "fc1.W", {1, 1}, {2.5f}).entry(65536, "fc1.b", {1}, {0.f}).write(kPath);
    // The second entry starts after 24 + (4 + 4 + 5 + 4 + 16 + 4) = 61 bytes.
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath), Catch::Contains("entry 'fc1.b' (byte offset 61) has unknown kind 65536"));
  }
  SECTION("kind 2 (optimizer state) does not exist in version 1") {
    FileBuilder().header(1).u64(2).entry(2, "fc1.W", {1, 1}, {2.5f}).entry(0, "fc1.b", {1}, {0.f}).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath), Catch::Contains("unknown kind 2"));
  }
  SECTION("a parameter stored as a buffer") {
    FileBuilder().header(1).u64(2).entry(1, "fc1.W", {1, 1}, {2.5f}).entry(0, "fc1.b", {1}, {0.f}).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath),
                        Catch::Contains("entry 'fc1.W' (byte offset 24) is stored as a buffer but the model has it as a parameter"));
  }
  REQUIRE(t.w() == before);
  std::remove(kPath.c_str());
}

TEST_CASE("Dimensions whose element count overflows are absurd, not a misleading truncation", "[checkpoint][parser]") {
  Tiny t;
  // {2^62, 3}: 3·2^62 elements wraps to 2^62 in 64 bits, and times 4 bytes to 0.
  SECTION("element count overflows") {
    FileBuilder().header(1).u64(2).entry(0, "fc1.W", {std::uint64_t(1) << 62, 3}, {}).entry(0, "fc1.b", {1}, {0.f}).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath),
                        Catch::Contains("entry 'fc1.W' (byte offset 24) has absurd dimensions (4611686018427387904,3)"));
  }
  SECTION("byte count overflows") {
    FileBuilder().header(1).u64(2).entry(0, "fc1.W", {std::uint64_t(1) << 62}, {}).entry(0, "fc1.b", {1}, {0.f}).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath), Catch::Contains("absurd dimensions (4611686018427387904)"));
  }
  SECTION("a zero dimension makes an empty tensor, whatever the others") {
    FileBuilder().header(1).u64(3).entry(0, "fc1.W", {1, 1}, {1.f}).entry(0, "fc1.b", {1}, {0.f})
        .entry(0, "extra", {0, std::uint64_t(1) << 63, 5}, {}).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath), Catch::Contains("entry 'extra'") &&
                                                          Catch::Contains("is not a parameter or buffer of the model"));
  }
  SECTION("values cut short") {
    FileBuilder().header(1).u64(2).entry(0, "fc1.W", {1000, 1}, {1.f}).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath), Catch::Contains("truncated while reading values at byte offset 57"));
  }
  SECTION("absurd rank") {
    FileBuilder().header(1).u64(1).u32(0).u32(1).text("x").u32(17).write(kPath);
    REQUIRE_THROWS_WITH(load_checkpoint(t.net, kPath), Catch::Contains("entry 'x' (byte offset 24) has absurd rank 17"));
  }
  std::remove(kPath.c_str());
}

TEST_CASE("Version-2 metadata and optimizer entries are checked", "[checkpoint][parser]") {
  Tiny t;
  auto two_params = [](FileBuilder& f) { f.entry(0, "fc1.W", {1, 1}, {2.5f}).entry(0, "fc1.b", {1}, {0.f}); };
  SECTION("metadata that is not JSON names its byte offset") {
    FileBuilder f;
    f.header(2, "{\"model\": nul}").u64(2);
    two_params(f);
    f.write(kPath);
    // The metadata starts at byte 24; the parser fails at the '}' after "nul", its byte 13.
    REQUIRE_THROWS_WITH(read_checkpoint_info(kPath), Catch::Contains("metadata is not valid JSON at byte offset 37"));
  }
  SECTION("a number beyond double's range is refused, not thrown past the reader") {
    FileBuilder f;
    f.header(2, "{\"model\": 5E5505}").u64(2);
    two_params(f);
    f.write(kPath);
    REQUIRE_THROWS_AS(read_checkpoint_info(kPath), CheckpointError);
    REQUIRE_THROWS_WITH(read_checkpoint_info(kPath), Catch::Contains("metadata at byte offset 24 cannot be read") &&
                                                        Catch::Contains("number overflow"));
  }
  SECTION("metadata that is not an object") {
    FileBuilder f;
    f.header(2, "[1]").u64(2);
    two_params(f);
    f.write(kPath);
    REQUIRE_THROWS_WITH(read_checkpoint_info(kPath), Catch::Contains("metadata (byte offset 24): must be a JSON object"));
  }
  SECTION("unknown metadata key") {
    FileBuilder f;
    f.header(2, "{\"modle\": null}").u64(2);
    two_params(f);
    f.write(kPath);
    REQUIRE_THROWS_WITH(read_checkpoint_info(kPath), Catch::Contains("unknown key 'modle'"));
  }
  SECTION("a metadata length past the end of the file") {
    FileBuilder().text("MINIDLCK").u32(2).u32(4).u64(std::uint64_t(1) << 60).write(kPath);
    REQUIRE_THROWS_WITH(read_checkpoint_info(kPath), Catch::Contains("truncated while reading metadata at byte offset 24"));
  }
  SECTION("optimizer state without an optimizer in the metadata") {
    FileBuilder f;
    f.header(2).u64(3);
    two_params(f);
    f.entry(2, "velocity:fc1.W", {1, 1}, {0.f}).write(kPath);
    REQUIRE_THROWS_WITH(read_checkpoint_info(kPath), Catch::Contains("entry 'velocity:fc1.W'") &&
                                                        Catch::Contains("the metadata has no optimizer"));
  }
  SECTION("an optimizer entry for a slot the optimizer does not keep, or of the wrong shape") {
    const std::string meta =
        R"({"model":null,"run_state":null,"optimizer":{"spec":{"kind":"momentum","lr":0.1,"momentum":0.9,)"
        R"("weight_decay":0,"clip_norm":0,"frozen":[]},"steps":1,"counters":{}}})";
    Momentum<float> opt(t.net.parameters(), 0.5, 0.9);
    {
      FileBuilder f;
      f.header(2, meta).u64(3);
      two_params(f);
      f.entry(2, "m:fc1.W", {1, 1}, {0.f}).write(kPath);
      REQUIRE_THROWS_WITH(load_checkpoint<float>(kPath, t.net, &opt),
                          Catch::Contains("entry 'm:fc1.W'") && Catch::Contains("which an optimizer of kind 'momentum' does not keep"));
    }
    {
      FileBuilder f;
      f.header(2, meta).u64(3);
      two_params(f);
      f.entry(2, "velocity:fc1.b", {1, 1}, {0.f}).write(kPath);
      REQUIRE_THROWS_WITH(load_checkpoint<float>(kPath, t.net, &opt),
                          Catch::Contains("entry 'velocity:fc1.b'") && Catch::Contains("has shape (1,1) but parameter 'fc1.b' has shape (1)"));
    }
    {
      FileBuilder f;
      f.header(2, meta).u64(3);
      two_params(f);
      f.entry(2, "velocity:fc1.b", {1}, {0.25f}).write(kPath);
      load_checkpoint<float>(kPath, t.net, &opt);  // the same file, well-formed, loads
      REQUIRE(opt.lr() == 0.1);
      REQUIRE(opt.steps() == 1);
    }
    REQUIRE(t.w() == 2.5f);
  }
  std::remove(kPath.c_str());
}
