#include "minidl/io/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace minidl {
namespace {

constexpr char kMagic[8] = {'M', 'I', 'N', 'I', 'D', 'L', 'C', 'K'};

void put_bytes(std::string& out, const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }
template <typename U>
void put(std::string& out, U v) {
  put_bytes(out, &v, sizeof v);
}

// Reads fields from the loaded file, failing with the file name and offset on truncation.
class Reader {
 public:
  Reader(const std::string& data, std::size_t end, const std::string& path) : data_(data), end_(end), path_(path) {}
  template <typename U>
  U get(const char* what) {
    U v;
    std::memcpy(&v, take(sizeof v, what), sizeof v);
    return v;
  }
  const char* take(std::size_t n, const char* what) {
    if (n > end_ - pos_) {
      throw CheckpointError("checkpoint " + path_ + ": truncated while reading " + what + " at byte offset " +
                            std::to_string(pos_));
    }
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::size_t pos() const { return pos_; }

 private:
  const std::string& data_;
  std::size_t end_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

template <typename T>
struct Entry {
  std::uint32_t kind;
  Shape shape;
  const char* bytes;
  bool used = false;
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

template <typename T>
void save_checkpoint(const Module<T>& module, const std::string& path) {
  std::string out;
  put_bytes(out, kMagic, sizeof kMagic);
  put<std::uint32_t>(out, kCheckpointVersion);
  put<std::uint32_t>(out, sizeof(T));
  const auto params = module.named_parameters();
  const auto buffers = module.named_buffers();
  put<std::uint64_t>(out, params.size() + buffers.size());
  for (std::uint32_t kind = 0; kind < 2; ++kind) {
    for (const auto& [name, v] : kind == 0 ? params : buffers) {
      put<std::uint32_t>(out, kind);
      put<std::uint32_t>(out, static_cast<std::uint32_t>(name.size()));
      put_bytes(out, name.data(), name.size());
      const Shape shape = v.shape();
      put<std::uint32_t>(out, static_cast<std::uint32_t>(shape.size()));
      for (std::size_t d : shape) put<std::uint64_t>(out, d);
      put_bytes(out, v.data().data(), v.size() * sizeof(T));
    }
  }
  const std::uint32_t crc = static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  put<std::uint32_t>(out, crc);

  // Write aside, flush to disk, then rename: the old checkpoint survives any failure before rename.
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw CheckpointError("checkpoint " + path + ": cannot create " + tmp + ": " + errno_text());
  std::size_t written = 0;
  while (written < out.size()) {
    const ssize_t n = ::write(fd, out.data() + written, out.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      throw CheckpointError("checkpoint " + path + ": write failed: " + why);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw CheckpointError("checkpoint " + path + ": flush failed: " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw CheckpointError("checkpoint " + path + ": rename from " + tmp + " failed: " + why);
  }
}

template <typename T>
void load_checkpoint(Module<T>& module, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError("checkpoint " + path + ": cannot open file");
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string data = buf.str();
  if (data.size() < sizeof kMagic + 4 || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    throw CheckpointError("checkpoint " + path + ": not a minidl checkpoint (bad magic at byte offset 0)");
  }
  if (data.size() < sizeof kMagic + 8 + 8 + 4) throw CheckpointError("checkpoint " + path + ": truncated header");
  const std::size_t body = data.size() - 4;
  std::uint32_t stored_crc;
  std::memcpy(&stored_crc, data.data() + body, 4);
  const std::uint32_t crc =
      static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(body)));

  Reader r(data, body, path);
  r.take(sizeof kMagic, "magic");
  const auto version = r.get<std::uint32_t>("version");
  if (version != kCheckpointVersion) {
    throw CheckpointError("checkpoint " + path + ": format version " + std::to_string(version) +
                          " is not supported (this build reads version " + std::to_string(kCheckpointVersion) + ")");
  }
  if (crc != stored_crc) throw CheckpointError("checkpoint " + path + ": checksum mismatch (file is corrupt)");
  const auto elem = r.get<std::uint32_t>("element size");
  if (elem != sizeof(T)) {
    throw CheckpointError("checkpoint " + path + ": holds " + (elem == 4 ? "float32" : elem == 8 ? "float64" : "unknown") +
                          " values but the model is " + dtype_name<T>());
  }
  const auto count = r.get<std::uint64_t>("entry count");
  std::map<std::string, Entry<T>> entries;
  for (std::uint64_t i = 0; i < count; ++i) {
    Entry<T> e;
    e.kind = r.get<std::uint32_t>("entry kind");
    const auto name_len = r.get<std::uint32_t>("name length");
    std::string name(r.take(name_len, "name"), name_len);
    const auto ndim = r.get<std::uint32_t>("rank");
    if (ndim > 16) throw CheckpointError("checkpoint " + path + ": entry '" + name + "' has absurd rank " + std::to_string(ndim));
    for (std::uint32_t d = 0; d < ndim; ++d) e.shape.push_back(r.get<std::uint64_t>("dimension"));
    e.bytes = r.take(shape_size(e.shape) * sizeof(T), "values");
    if (!entries.emplace(name, e).second) throw CheckpointError("checkpoint " + path + ": duplicate entry '" + name + "'");
  }
  if (r.pos() != body) throw CheckpointError("checkpoint " + path + ": unexpected bytes after the last entry");

  // Validate everything before writing anything, so a bad file leaves the module untouched.
  auto params = module.named_parameters();
  auto buffers = module.named_buffers();
  std::vector<std::pair<Variable<T>, const Entry<T>*>> plan;
  for (std::uint32_t kind = 0; kind < 2; ++kind) {
    for (const auto& [name, v] : kind == 0 ? params : buffers) {
      auto it = entries.find(name);
      if (it == entries.end()) throw CheckpointError("checkpoint " + path + ": missing '" + name + "'");
      if (it->second.shape != v.shape()) {
        throw CheckpointError("checkpoint " + path + ": '" + name + "' has shape " + shape_str(it->second.shape) +
                              " but the model expects " + shape_str(v.shape()));
      }
      plan.emplace_back(v, &it->second);
      it->second.used = true;  // not erased: `plan` points into the map
    }
  }
  for (const auto& [name, e] : entries) {
    if (!e.used) throw CheckpointError("checkpoint " + path + ": holds '" + name + "', which the model does not have");
  }
  for (auto& [v, e] : plan) std::memcpy(v.data().data(), e->bytes, v.size() * sizeof(T));
}

template void save_checkpoint<float>(const Module<float>&, const std::string&);
template void save_checkpoint<double>(const Module<double>&, const std::string&);
template void load_checkpoint<float>(Module<float>&, const std::string&);
template void load_checkpoint<double>(Module<double>&, const std::string&);

}  // namespace minidl
