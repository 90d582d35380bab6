#include "minidl/io/checkpoint.hpp"

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <map>

#include "minidl/io/atomic_file.hpp"

namespace minidl {

namespace {

constexpr char kMagic[8] = {'M', 'I', 'N', 'I', 'D', 'L', 'C', 'K'};
constexpr std::uint32_t kMaxRank = 16;
enum EntryKind : std::uint32_t { kParameter = 0, kBuffer = 1, kOptimizerState = 2 };
constexpr char kSlotSeparator = ':';  // optimizer state entries are named "<slot>:<parameter name>"

const char* kind_name(std::uint32_t kind) {
  switch (kind) {
    case kParameter: return "parameter";
    case kBuffer: return "buffer";
    case kOptimizerState: return "optimizer state";
  }
  return "unknown";
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::uint32_t crc_of(const char* p, std::size_t n) {
  return static_cast<std::uint32_t>(crc32_z(0L, reinterpret_cast<const Bytef*>(p), n));
}

void put_bytes(std::string& out, const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }
template <typename U>
void put(std::string& out, U v) {
  put_bytes(out, &v, sizeof v);
}

}  // namespace

struct CheckpointFile::Parsed {
  /// One tensor entry of the file.
  struct Entry {
    std::uint32_t kind;
    std::string name;
    Shape shape;
    std::size_t offset;       // where the entry starts (its kind field)
    std::size_t data_offset;  // where its raw elements start
    std::size_t count;        // elements
  };

  std::string path;
  std::string data;
  CheckpointInfo info;
  std::uint32_t element_size = 0;
  std::size_t metadata_offset = 0;
  nlohmann::json optimizer;                   // {"spec", "steps", "counters"} or null
  std::vector<Entry> entries;
  std::map<std::string, std::size_t> module_entries;     // parameters and buffers by name
  std::map<std::string, std::size_t> optimizer_entries;  // optimizer state by "<slot>:<name>"

  [[noreturn]] void fail(const std::string& what) const { throw CheckpointError("checkpoint " + path + ": " + what); }
  [[noreturn]] void fail_entry(const Entry& e, const std::string& what) const {
    fail("entry '" + e.name + "' (byte offset " + std::to_string(e.offset) + ") " + what);
  }
  [[noreturn]] void fail_metadata(const std::string& what) const {
    fail("metadata (byte offset " + std::to_string(metadata_offset) + "): " + what);
  }
};

namespace {

using Parsed = CheckpointFile::Parsed;

// Reads fields in order, failing with the file name, the field and its offset on truncation.
class Reader {
 public:
  Reader(const Parsed& p, std::size_t end) : p_(p), end_(end) {}
  template <typename U>
  U get(const char* what) {
    U v;
    std::memcpy(&v, take(sizeof v, what), sizeof v);
    return v;
  }
  const char* take(std::size_t n, const char* what) {
    if (n > end_ - pos_) p_.fail("truncated while reading " + std::string(what) + " at byte offset " + std::to_string(pos_));
    const char* at = p_.data.data() + pos_;
    pos_ += n;
    return at;
  }
  std::size_t pos() const { return pos_; }

 private:
  const Parsed& p_;
  std::size_t end_;
  std::size_t pos_ = 0;
};

// Checks the metadata object of a version-2 file and fills info and the optimizer part.
void parse_metadata(Parsed& p, const char* text, std::size_t length) {
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(text, text + length);
  } catch (const nlohmann::json::parse_error& e) {
    p.fail("metadata is not valid JSON at byte offset " + std::to_string(p.metadata_offset + e.byte - 1) + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    // Well-formed JSON the parser still refuses, such as a number beyond double's range.
    p.fail("metadata at byte offset " + std::to_string(p.metadata_offset) + " cannot be read: " + e.what());
  }
  if (!meta.is_object()) p.fail_metadata("must be a JSON object");
  for (const auto& [key, value] : meta.items()) {
    if (key != "model" && key != "optimizer" && key != "run_state") p.fail_metadata("unknown key '" + key + "'");
  }
  p.info.model_spec = meta.value("model", nlohmann::json());
  p.info.run_state = meta.value("run_state", nlohmann::json());
  p.optimizer = meta.value("optimizer", nlohmann::json());
  if (p.optimizer.is_null()) return;
  const nlohmann::json& o = p.optimizer;
  if (!o.is_object() || !o.contains("spec") || !o["spec"].is_object() || !o.contains("steps") ||
      !(o["steps"].is_number_unsigned() || (o["steps"].is_number_integer() && o["steps"].get<std::int64_t>() >= 0)) || !o.contains("counters") || !o["counters"].is_object() || o.size() != 3) {
    p.fail_metadata("'optimizer' must be {\"spec\": {...}, \"steps\": n, \"counters\": {...}}");
  }
  for (const auto& [name, values] : o["counters"].items()) {
    bool ok = values.is_array();
    for (const auto& v : values) ok = ok && (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0));
    if (!ok) p.fail_metadata("optimizer counter '" + name + "' must be a list of non-negative integers");
  }
  p.info.optimizer_spec = o["spec"];
}

std::shared_ptr<Parsed> parse_file(const std::string& path) {
  auto p = std::make_shared<Parsed>();
  p->path = path;
  try {
    p->data = read_whole_file(path);
  } catch (const FileError& e) {
    throw CheckpointError(std::string("checkpoint: ") + e.what());
  }
  const std::string& data = p->data;
  if (data.size() < sizeof kMagic || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    p->fail("not a minidl checkpoint (bad magic at byte offset 0)");
  }
  if (data.size() < sizeof kMagic + 4 + 4 + 8 + 4) {
    p->fail("truncated header: the file has only " + std::to_string(data.size()) + " bytes");
  }
  const std::size_t body = data.size() - 4;
  Reader r(*p, body);
  r.take(sizeof kMagic, "magic");
  const auto version = r.get<std::uint32_t>("version");
  if (version != 1 && version != 2) {
    p->fail("format version " + std::to_string(version) + " (byte offset 8) is not supported (this build reads versions 1 and " +
            std::to_string(kCheckpointVersion) + ")");
  }
  std::uint32_t stored_crc;
  std::memcpy(&stored_crc, data.data() + body, 4);
  const std::uint32_t crc = crc_of(data.data(), body);
  if (crc != stored_crc) {
    p->fail("checksum mismatch: the file says " + hex32(stored_crc) + " (byte offset " + std::to_string(body) +
            ") but its bytes give " + hex32(crc) + "; the file is corrupt");
  }
  p->info.version = version;
  p->element_size = r.get<std::uint32_t>("element size");
  if (p->element_size != 4 && p->element_size != 8) {
    p->fail("unknown element size " + std::to_string(p->element_size) + " at byte offset 12 (expected 4 or 8)");
  }
  p->info.dtype = p->element_size == 4 ? "float32" : "float64";
  if (version >= 2) {
    const auto length = r.get<std::uint64_t>("metadata length");
    p->metadata_offset = r.pos();
    const char* text = r.take(length, "metadata");
    parse_metadata(*p, text, length);
  }

  const auto count = r.get<std::uint64_t>("entry count");
  for (std::uint64_t i = 0; i < count; ++i) {
    Parsed::Entry e;
    e.offset = r.pos();
    e.kind = r.get<std::uint32_t>("entry kind");
    const auto name_len = r.get<std::uint32_t>("name length");
    e.name.assign(r.take(name_len, "name"), name_len);
    const std::uint32_t max_kind = version >= 2 ? kOptimizerState : kBuffer;
    if (e.kind > max_kind) {
      p->fail_entry(e, "has unknown kind " + std::to_string(e.kind) + " (version " + std::to_string(version) +
                           " knows 0 parameter, 1 buffer" + (version >= 2 ? ", 2 optimizer state)" : ")"));
    }
    const auto ndim = r.get<std::uint32_t>("rank");
    if (ndim > kMaxRank) p->fail_entry(e, "has absurd rank " + std::to_string(ndim));
    for (std::uint32_t d = 0; d < ndim; ++d) e.shape.push_back(r.get<std::uint64_t>("dimension"));
    // The element count and byte size must not wrap around: {2^62, 3} would otherwise come to 0
    // bytes and the parse would go on out of step.
    bool overflow = false;
    std::size_t elements = 1;
    for (std::size_t d : e.shape) {
      if (d != 0 && elements > std::numeric_limits<std::size_t>::max() / d) overflow = true;
      elements *= d;
    }
    if (overflow || elements > (std::numeric_limits<std::size_t>::max() / p->element_size)) {
      p->fail_entry(e, "has absurd dimensions " + shape_str(e.shape) + ": more elements than any file can hold");
    }
    e.count = elements;
    e.data_offset = r.pos();
    r.take(elements * p->element_size, "values");
    auto& index = e.kind == kOptimizerState ? p->optimizer_entries : p->module_entries;
    if (!index.emplace(e.name, p->entries.size()).second) p->fail_entry(e, "appears twice");
    if (e.kind == kOptimizerState && e.name.find(kSlotSeparator) == std::string::npos) {
      p->fail_entry(e, "is optimizer state but its name is not \"<slot>:<parameter name>\"");
    }
    p->entries.push_back(std::move(e));
  }
  if (r.pos() != body) p->fail("unexpected bytes after the last entry, at byte offset " + std::to_string(r.pos()));
  if (p->optimizer.is_null() && !p->optimizer_entries.empty()) {
    p->fail_entry(p->entries[p->optimizer_entries.begin()->second], "is optimizer state, but the metadata has no optimizer");
  }
  return p;
}

}  // namespace

CheckpointFile CheckpointFile::read(const std::string& path) { return CheckpointFile(parse_file(path)); }
const CheckpointInfo& CheckpointFile::info() const { return parsed_->info; }
const std::string& CheckpointFile::path() const { return parsed_->path; }

template <typename T>
void CheckpointFile::restore(Module<T>& model) const {
  restore(model, static_cast<Optimizer<T>*>(nullptr));
}

template <typename T>
void CheckpointFile::restore(Module<T>& model, Optimizer<T>* optimizer) const {
  const Parsed& p = *parsed_;
  if (p.element_size != sizeof(T)) {
    p.fail("holds " + p.info.dtype + " values (element size at byte offset 12) but the model is " + dtype_name<T>());
  }

  // Parameters and buffers: every model name present, of the right kind and shape, and nothing else.
  const auto params = model.named_parameters();
  const auto buffers = model.named_buffers();
  std::vector<std::pair<Variable<T>, const Parsed::Entry*>> plan;
  std::map<std::string, bool> expected;
  for (std::uint32_t kind : {kParameter, kBuffer}) {
    for (const auto& [name, v] : kind == kParameter ? params : buffers) {
      expected[name] = true;
      const auto it = p.module_entries.find(name);
      if (it == p.module_entries.end()) p.fail("has no entry '" + name + "', which the model has as a " + kind_name(kind));
      const Parsed::Entry& e = p.entries[it->second];
      if (e.kind != kind) {
        p.fail_entry(e, std::string("is stored as a ") + kind_name(e.kind) + " but the model has it as a " + kind_name(kind));
      }
      if (e.shape != v.shape()) {
        p.fail_entry(e, "has shape " + shape_str(e.shape) + " but the model expects " + shape_str(v.shape()));
      }
      plan.emplace_back(v, &e);
    }
  }
  for (const auto& [name, index] : p.module_entries) {
    if (!expected.count(name)) p.fail_entry(p.entries[index], "is not a parameter or buffer of the model");
  }

  if (optimizer) {
    if (p.optimizer.is_null()) {
      p.fail(p.info.version < 2 ? "is a version-1 checkpoint: it holds weights only, no optimizer state"
                                : "holds no optimizer state (it was saved without an optimizer)");
    }
    // Optimizer parameters are found by model name, so the model and optimizer orders may differ.
    const auto& oparams = optimizer->params();
    std::map<std::string, std::size_t> index_by_name;
    for (std::size_t i = 0; i < oparams.size(); ++i) {
      bool found = false;
      for (const auto& [name, v] : params) {
        if (v.node() == oparams[i].node()) index_by_name[name] = i, found = true;
      }
      if (!found) p.fail("cannot restore the optimizer: its parameter " + std::to_string(i) + " is not a parameter of the model");
    }
    OptimizerState<T> state;
    state.steps = p.optimizer["steps"].get<std::uint64_t>();
    for (const auto& [name, values] : p.optimizer["counters"].items()) {
      state.counters[name] = values.template get<std::vector<std::uint64_t>>();
    }
    const auto slots = optimizer->state_slot_names();
    for (const auto& [entry_name, entry_index] : p.optimizer_entries) {
      const Parsed::Entry& e = p.entries[entry_index];
      const std::size_t sep = e.name.find(kSlotSeparator);
      const std::string slot = e.name.substr(0, sep), param = e.name.substr(sep + 1);
      if (std::find(slots.begin(), slots.end(), slot) == slots.end()) {
        p.fail_entry(e, "is state '" + slot + "', which an optimizer of kind '" + optimizer->kind() + "' does not keep");
      }
      const auto it = index_by_name.find(param);
      if (it == index_by_name.end()) p.fail_entry(e, "belongs to '" + param + "', which the optimizer does not optimize");
      const Variable<T>& v = oparams[it->second];
      if (e.shape != v.shape()) {
        p.fail_entry(e, "has shape " + shape_str(e.shape) + " but parameter '" + param + "' has shape " + shape_str(v.shape()));
      }
      Tensor<T> value = Tensor<T>::from_shape(e.shape);
      std::memcpy(value.data(), p.data.data() + e.data_offset, e.count * sizeof(T));
      state.tensors.push_back({slot, it->second, std::move(value)});
    }
    // apply_spec and import_state each check before they change anything, but the first may
    // succeed and the second fail: keep the old settings and state to put back.
    const nlohmann::json old_spec = optimizer->spec();
    const OptimizerState<T> old_state = optimizer->export_state();
    try {
      optimizer->apply_spec(p.info.optimizer_spec);
      optimizer->import_state(state);
    } catch (const std::invalid_argument& e) {
      optimizer->apply_spec(old_spec);
      optimizer->import_state(old_state);
      p.fail_metadata(std::string("cannot restore the optimizer: ") + e.what());
    }
  }
  for (auto& [v, e] : plan) std::memcpy(v.data().data(), p.data.data() + e->data_offset, e->count * sizeof(T));
}

template <typename T>
void save_checkpoint(const std::string& path, const Module<T>& model, const nlohmann::json& model_spec,
                     const Optimizer<typename detail::NonDeduced<T>::type>* optimizer, const nlohmann::json& run_state) {
  const auto params = model.named_parameters();
  const auto buffers = model.named_buffers();
  nlohmann::json meta = {{"model", model_spec}, {"optimizer", nullptr}, {"run_state", run_state}};
  OptimizerState<T> state;
  std::vector<std::string> names;  // model name of each optimizer parameter
  if (optimizer) {
    for (const auto& p : optimizer->params()) {
      const auto it = std::find_if(params.begin(), params.end(), [&](const auto& np) { return np.second.node() == p.node(); });
      if (it == params.end()) {
        throw CheckpointError("checkpoint " + path + ": optimizer parameter " + std::to_string(names.size()) + " ('" +
                              p.name() + "') is not a parameter of the model");
      }
      names.push_back(it->first);
    }
    state = optimizer->export_state();
    meta["optimizer"] = {{"spec", optimizer->spec()}, {"steps", state.steps}, {"counters", state.counters}};
  }
  std::string text;
  try {
    text = meta.dump();
  } catch (const nlohmann::json::type_error& e) {
    throw CheckpointError("checkpoint " + path + ": cannot write the metadata as JSON: " + e.what());
  }

  std::string out;
  put_bytes(out, kMagic, sizeof kMagic);
  put<std::uint32_t>(out, kCheckpointVersion);
  put<std::uint32_t>(out, sizeof(T));
  put<std::uint64_t>(out, text.size());
  out += text;
  put<std::uint64_t>(out, params.size() + buffers.size() + state.tensors.size());
  auto put_entry = [&](std::uint32_t kind, const std::string& name, const Tensor<T>& t) {
    put<std::uint32_t>(out, kind);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(name.size()));
    out += name;
    put<std::uint32_t>(out, static_cast<std::uint32_t>(t.dimension()));
    for (std::size_t d : t.shape()) put<std::uint64_t>(out, d);
    put_bytes(out, t.data(), t.size() * sizeof(T));
  };
  for (const auto& [name, v] : params) put_entry(kParameter, name, v.data());
  for (const auto& [name, v] : buffers) put_entry(kBuffer, name, v.data());
  for (const auto& t : state.tensors) put_entry(kOptimizerState, t.slot + kSlotSeparator + names[t.index], t.value);
  put<std::uint32_t>(out, crc_of(out.data(), out.size()));
  try {
    write_file_atomically(path, out);
  } catch (const FileError& e) {
    throw CheckpointError(std::string("checkpoint: ") + e.what());
  }
}

template <typename T>
void save_checkpoint(const Module<T>& module, const std::string& path) {
  save_checkpoint<T>(path, module, nlohmann::json(), nullptr, nlohmann::json());
}

template <typename T>
void load_checkpoint(Module<T>& module, const std::string& path) {
  CheckpointFile::read(path).restore(module);
}

template <typename T>
CheckpointInfo load_checkpoint(const std::string& path, Module<T>& model,
                               Optimizer<typename detail::NonDeduced<T>::type>* optimizer) {
  const CheckpointFile file = CheckpointFile::read(path);
  file.restore(model, optimizer);
  return file.info();
}

CheckpointInfo read_checkpoint_info(const std::string& path) { return CheckpointFile::read(path).info(); }

template void save_checkpoint<float>(const Module<float>&, const std::string&);
template void save_checkpoint<double>(const Module<double>&, const std::string&);
template void load_checkpoint<float>(Module<float>&, const std::string&);
template void load_checkpoint<double>(Module<double>&, const std::string&);
template void save_checkpoint<float>(const std::string&, const Module<float>&, const nlohmann::json&,
                                     const Optimizer<float>*, const nlohmann::json&);
template void save_checkpoint<double>(const std::string&, const Module<double>&, const nlohmann::json&,
                                      const Optimizer<double>*, const nlohmann::json&);
template CheckpointInfo load_checkpoint<float>(const std::string&, Module<float>&, Optimizer<float>*);
template CheckpointInfo load_checkpoint<double>(const std::string&, Module<double>&, Optimizer<double>*);
template void CheckpointFile::restore<float>(Module<float>&, Optimizer<float>*) const;
template void CheckpointFile::restore<double>(Module<double>&, Optimizer<double>*) const;
template void CheckpointFile::restore<float>(Module<float>&) const;
template void CheckpointFile::restore<double>(Module<double>&) const;

}  // namespace minidl
