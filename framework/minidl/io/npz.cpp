#include "minidl/io/npz.hpp"

#include <set>
#include <stdexcept>

#include "minidl/detail/zip.hpp"
#include "minidl/io/atomic_file.hpp"

namespace minidl {

namespace {

const std::string kSuffix = ".npy";

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

}  // namespace

bool NpzArchive::contains(const std::string& name) const {
  for (const auto& entry : arrays) {
    if (entry.first == name) return true;
  }
  return false;
}

const NpyArray& NpzArchive::at(const std::string& name) const {
  for (const auto& entry : arrays) {
    if (entry.first == name) return entry.second;
  }
  throw NpyError(path + ": no array named '" + name + "' (the archive holds: " + join(names()) + ")");
}

std::vector<std::string> NpzArchive::names() const {
  std::vector<std::string> out;
  for (const auto& entry : arrays) out.push_back(entry.first);
  return out;
}

NpzArchive parse_npz(const std::string& bytes, const std::string& path) {
  std::vector<zip_detail::ZipMember> members;
  try {
    members = zip_detail::read_zip(bytes);
  } catch (const zip_detail::ZipError& e) {
    throw NpyError(path + ": " + e.what());
  }
  NpzArchive archive{path, {}};
  for (auto& m : members) {
    const std::string where = path + ": member '" + m.name + "'";
    // numpy.load names an array by its member name less ".npy"; other members are not arrays.
    if (m.name.size() <= kSuffix.size() || m.name.compare(m.name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      throw NpyError(where + " at byte " + std::to_string(m.data_offset) + ": not a .npy array (an .npz holds only <name>.npy members)");
    }
    std::string name = m.name.substr(0, m.name.size() - kSuffix.size());
    if (archive.contains(name)) throw NpyError(where + ": a second array named '" + name + "'");
    archive.arrays.emplace_back(std::move(name), parse_npy(m.data, where, m.data_offset));
  }
  return archive;
}

NpzArchive read_npz(const std::string& path) { return parse_npz(read_whole_file(path), path); }

template <typename T>
std::string npz_bytes(const std::vector<std::pair<std::string, Tensor<T>>>& arrays, bool compressed) {
  std::vector<zip_detail::ZipInput> members;
  std::set<std::string> seen;
  for (const auto& [name, tensor] : arrays) {
    if (name.empty() || name.find_first_of("/\\") != std::string::npos) {
      throw std::invalid_argument("npz: array name '" + name + "' must be non-empty and hold no '/' or '\\'");
    }
    if (!seen.insert(name).second) throw std::invalid_argument("npz: two arrays named '" + name + "'");
    members.push_back({name + kSuffix, npy_bytes(tensor)});
  }
  try {
    return zip_detail::write_zip(members, compressed);
  } catch (const zip_detail::ZipError& e) {
    throw std::invalid_argument(std::string("npz: ") + e.what());
  }
}

template <typename T>
void write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor<T>>>& arrays, bool compressed) {
  write_file_atomically(path, npz_bytes(arrays, compressed));
}

template <typename T>
void save_npz(const Module<T>& model, const std::string& path, bool compressed) {
  std::vector<std::pair<std::string, Tensor<T>>> arrays;
  for (const auto& [name, v] : model.named_parameters()) arrays.emplace_back(name, v.data());
  for (const auto& [name, v] : model.named_buffers()) arrays.emplace_back(name, v.data());
  write_npz(path, arrays, compressed);
}

template <typename T>
void load_npz(Module<T>& model, const std::string& path, const std::map<std::string, std::string>& names) {
  const NpzArchive archive = read_npz(path);
  std::map<std::string, const NpyArray*> by_model_name;  // the model's qualified name -> array
  for (const auto& [name, array] : archive.arrays) {
    const auto mapped = names.find(name);
    const std::string target = mapped == names.end() ? name : mapped->second;
    if (!by_model_name.emplace(target, &array).second) {
      throw NpyError(path + ": two arrays of the archive name the model's " + target + " (with the name map given)");
    }
  }
  std::vector<typename Module<T>::Named> targets = model.named_parameters();
  for (auto& b : model.named_buffers()) targets.push_back(b);
  std::vector<std::string> missing;
  std::set<std::string> used;
  for (const auto& [name, v] : targets) {
    const auto it = by_model_name.find(name);
    if (it == by_model_name.end()) {
      missing.push_back(name);
      continue;
    }
    used.insert(name);
    if (it->second->shape != to_shape(v.data().shape())) {
      std::string archive_name = name;
      for (const auto& [from, to] : names) {
        if (to == name && archive.contains(from)) archive_name = from;
      }
      throw NpyError(path + ": array '" + archive_name + "' has shape " + shape_str(it->second->shape) + ", but " +
                     name + " of the model is " + shape_str(to_shape(v.data().shape())));
    }
  }
  std::vector<std::string> unused;
  for (const auto& [name, array] : archive.arrays) {
    const auto mapped = names.find(name);
    if (!used.count(mapped == names.end() ? name : mapped->second)) unused.push_back(name);
  }
  if (!missing.empty() || !unused.empty()) {
    throw NpyError(path + ": the arrays do not match the model: " +
                   (missing.empty() ? "" : "missing " + join(missing)) +
                   (!missing.empty() && !unused.empty() ? "; " : "") +
                   (unused.empty() ? "" : "not in the model " + join(unused)) +
                   " (the archive holds: " + join(archive.names()) + ")");
  }
  // In place: whatever holds the model's buffers (an optimizer, a view) keeps seeing them.
  for (auto& [name, v] : targets) {
    const std::vector<double>& values = by_model_name.at(name)->values;
    T* dst = v.data().data();
    for (std::size_t i = 0; i < values.size(); ++i) dst[i] = static_cast<T>(values[i]);
  }
}

template std::string npz_bytes<float>(const std::vector<std::pair<std::string, Tensor<float>>>&, bool);
template std::string npz_bytes<double>(const std::vector<std::pair<std::string, Tensor<double>>>&, bool);
template void write_npz<float>(const std::string&, const std::vector<std::pair<std::string, Tensor<float>>>&, bool);
template void write_npz<double>(const std::string&, const std::vector<std::pair<std::string, Tensor<double>>>&, bool);
template void save_npz<float>(const Module<float>&, const std::string&, bool);
template void save_npz<double>(const Module<double>&, const std::string&, bool);
template void load_npz<float>(Module<float>&, const std::string&, const std::map<std::string, std::string>&);
template void load_npz<double>(Module<double>&, const std::string&, const std::map<std::string, std::string>&);

}  // namespace minidl
