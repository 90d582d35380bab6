#include <minidl/models/load_model.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <minidl/models/model_spec.hpp>

namespace minidl {

namespace {
bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
}  // namespace

std::string resolve_checkpoint_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw CheckpointError("checkpoint " + path + ": cannot open: " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return path;
  for (const char* name : {"best.ckpt", "model.ckpt"}) {
    const std::string candidate = path + "/" + name;
    if (is_regular_file(candidate)) return candidate;
  }
  throw CheckpointError("run folder " + path + ": holds neither best.ckpt nor model.ckpt");
}

LoadedModel load_model(const std::string& given) {
  const std::string path = resolve_checkpoint_path(given);
  const CheckpointFile file = CheckpointFile::read(path);
  const CheckpointInfo& info = file.info();
  if (info.model_spec.is_null()) {
    throw CheckpointError("checkpoint " + path + ": holds no model spec" +
                          (info.version < 2 ? std::string(" (a version-1 file, weights only)") : std::string()) +
                          "; build the network yourself and load the weights with load_checkpoint");
  }
  if (info.dtype != dtype_name<float>()) {
    throw CheckpointError("checkpoint " + path + ": holds " + info.dtype + " values; load_model builds float32 networks");
  }
  LoadedModel out;
  // The weights are overwritten by the file's, so the seed only matters for dropout masks.
  out.generator = std::make_unique<Generator>(0);
  try {
    out.model = models::make_model<float>(info.model_spec, *out.generator);
  } catch (const std::invalid_argument& e) {
    throw CheckpointError("checkpoint " + path + ": cannot build its model: " + e.what());
  }
  file.restore(*out.model);
  out.model->eval();
  out.info = info;
  out.path = path;
  return out;
}

}  // namespace minidl
