// libFuzzer target for load_checkpoint, through its public API only, so it keeps working whatever
// the file layout.
//
// Input: one mode byte, then the file. Mode bit 0 set: a CRC-32 of the bytes (little-endian) is
// appended before loading. The current format ends with such a checksum, so this lets mutations
// get past it into the entry parser; for a format that checks differently the mode is just another
// raw input. Every input must either load or raise CheckpointError, and a rejected file must leave
// the model untouched (a documented promise).
//
// With MINIDL_FUZZ_SEED_DIR set, the target first writes two seeds (one per mode) holding a
// checkpoint of its model in the format this build writes, so a format change never leaves the
// fuzzer with only stale seeds.

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "mem_file.hpp"
#include "minidl/io/checkpoint.hpp"
#include "minidl/nn/module.hpp"

namespace {

// A small fixed model: parameters of two shapes and, in a child module, a parameter and a buffer,
// so qualified names and both kinds of entry are expected. Built from Module alone (no layers), so
// the target links little beyond the checkpoint code.
class FuzzChild : public minidl::Module<float> {
 public:
  FuzzChild() {
    register_parameter("gamma", minidl::zeros<float>({2}));
    register_buffer("running_mean", minidl::zeros<float>({2}));
  }
  minidl::Variable<float> forward(const minidl::Variable<float>& x) override { return x; }
};

class FuzzModel : public minidl::Module<float> {
 public:
  FuzzModel() {
    register_parameter("W", minidl::zeros<float>({3, 2}));
    register_parameter("b", minidl::zeros<float>({2}));
    register_module("bn", std::make_shared<FuzzChild>());
    // Distinct values, so a load that wrote the wrong entry somewhere would show.
    float next = 0.5f;
    for (const auto& group : {named_parameters(), named_buffers()}) {
      for (const auto& [name, v] : group) {
        for (float& x : v.data()) x = (next += 0.25f);
      }
    }
  }
  minidl::Variable<float> forward(const minidl::Variable<float>& x) override { return x; }
};

FuzzModel& model() {
  static FuzzModel m;
  return m;
}

// Every value of every parameter and buffer, in order.
std::vector<float> snapshot(const FuzzModel& m) {
  std::vector<float> out;
  for (const auto& group : {m.named_parameters(), m.named_buffers()}) {
    for (const auto& [name, v] : group) out.insert(out.end(), v.data().begin(), v.data().end());
  }
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) fuzz::broken("seed written");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("MINIDL_FUZZ_SEED_DIR");
  if (!dir) return 0;
  const std::string saved = std::string(dir) + "/current_format.ckpt";
  minidl::save_checkpoint(model(), saved);
  std::ifstream in(saved, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(saved.c_str());
  write_file(std::string(dir) + "/current_format_raw", std::string(1, '\0') + file);
  if (file.size() >= 4) {
    write_file(std::string(dir) + "/current_format_crc_appended", std::string(1, '\1') + file.substr(0, file.size() - 4));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file("fuzz_checkpoint");
  if (size < 1) return 0;
  std::vector<std::uint8_t> bytes(data + 1, data + size);
  if (data[0] & 1) {
    const auto crc = static_cast<std::uint32_t>(crc32(0L, bytes.data(), static_cast<uInt>(bytes.size())));
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<std::uint8_t>(crc >> shift));
  }
  file.set(bytes.data(), bytes.size());

  FuzzModel& m = model();
  const std::vector<float> before = snapshot(m);
  try {
    minidl::load_checkpoint(m, file.path());
  } catch (const minidl::CheckpointError&) {
    // Rejecting bad input with a CheckpointError is the promised behaviour; the model must not
    // have changed. Compared bitwise: a NaN loaded would compare unequal to itself.
    const std::vector<float> after = snapshot(m);
    if (std::memcmp(before.data(), after.data(), before.size() * sizeof(float)) != 0) {
      fuzz::broken("a rejected checkpoint leaves the model untouched");
    }
  }
  return 0;
}
