#pragma once
// Checkpoints: a model's parameters and buffers by qualified name ("fc1.W"), and for training
// checkpoints also the model's spec, the optimizer's spec and accumulated state, and an opaque
// `run_state` JSON from the caller (step, epoch, schedule position, RNG states, ... whatever it
// needs to resume), in one versioned binary file with a CRC-32 checksum. Files are written
// atomically (io/atomic_file.hpp): a crash mid-save never destroys the previous checkpoint.
//
// Format version 2 (written by this build), little-endian:
//   "MINIDLCK" | u32 version = 2 | u32 bytes per element (4 float32, 8 float64)
//   | u64 metadata length | metadata: UTF-8 JSON object
//       {"model": spec or null, "optimizer": {"spec": ..., "steps": n, "counters": {...}} or null,
//        "run_state": any JSON (null if none)}
//   | u64 entry count
//   | per entry: u32 kind | u32 name length | name | u32 rank | u64 dims[rank] | raw elements
//   | u32 CRC-32 of every preceding byte.
// Entry kinds: 0 parameter, 1 buffer (named as in Module::named_parameters / named_buffers),
// 2 optimizer state, named "<slot>:<parameter name>" (e.g. "m:fc1.W" for Adam's first moment).
// Counters (Adam's per-parameter "t") sit in the metadata, indexed like the optimizer's params().
//
// Format version 1 (still read): the same without the metadata (the entry count follows the
// element size), and only kinds 0 and 1. It holds weights only.

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "minidl/nn/module.hpp"
#include "minidl/optim/optimizer.hpp"

namespace minidl {

/// Raised for every unreadable, corrupt or mismatched checkpoint. The message names the file and,
/// where there is one, the entry and its byte offset in the file.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The checkpoint format version this build writes (it reads this one and version 1).
constexpr std::uint32_t kCheckpointVersion = 2;

namespace detail {
/// Keeps a parameter out of template argument deduction, so `nullptr` can be passed for the
/// optimizer (C++20's std::type_identity).
template <typename T>
struct NonDeduced {
  using type = T;
};
}  // namespace detail

/// What a checkpoint carries besides tensors. Parts a file does not hold are JSON null (always so
/// for version 1 files).
struct CheckpointInfo {
  std::uint32_t version = 0;      ///< Format version of the file.
  std::string dtype;              ///< Element type of its tensors: "float32" or "float64".
  nlohmann::json model_spec;      ///< The model's spec (models/model_spec.hpp), as given to save.
  nlohmann::json optimizer_spec;  ///< Optimizer::spec() of the saved optimizer.
  nlohmann::json run_state;       ///< The caller's run state, exactly as given to save.
};

/// Saves every parameter and buffer of `module` to `path` (format version 2 with null specs and
/// run state). Throws CheckpointError if the file cannot be written (with the OS reason).
template <typename T>
void save_checkpoint(const Module<T>& module, const std::string& path);

/// Loads the parameters and buffers of `path` (version 1 or 2) into `module`; anything else the
/// file holds is ignored. The file must hold exactly the module's parameter and buffer names, each
/// with the right kind and shape, and the module's element type; otherwise CheckpointError says
/// which entry, shape, version or checksum is wrong, and the module is left untouched.
template <typename T>
void load_checkpoint(Module<T>& module, const std::string& path);

/// Saves a training checkpoint: the parameters and buffers of `model`, its `model_spec` (pass
/// null if it has none), the spec and state of `optimizer` (may be null; every parameter it
/// optimizes must be one of the model's) and the caller's `run_state` (any JSON).
/// Throws CheckpointError if the file cannot be written or an optimizer parameter is not in the
/// model.
template <typename T>
void save_checkpoint(const std::string& path, const Module<T>& model, const nlohmann::json& model_spec,
                     const Optimizer<typename detail::NonDeduced<T>::type>* optimizer, const nlohmann::json& run_state);

/// Loads a training checkpoint into `model` and, unless it is null, `optimizer`, and returns the
/// rest. The optimizer must be of the saved kind with the same constructor hyper-parameters (build
/// it with make_optimizer_from_spec(info.optimizer_spec, ...) from read_checkpoint_info to be sure); its
/// learning rate, weight decay, clipping and frozen set are then taken from the file, and its state
/// replaced, so it continues exactly where the saved one stopped. Asking for the optimizer of a
/// file that holds none (version 1, or saved without) is an error. Everything is checked before
/// anything changes: on CheckpointError the model and optimizer are untouched.
template <typename T>
CheckpointInfo load_checkpoint(const std::string& path, Module<T>& model,
                               Optimizer<typename detail::NonDeduced<T>::type>* optimizer);

/// Reads and checks `path` (magic, version, checksum, layout) and returns what it carries besides
/// tensors; nothing is restored. Throws CheckpointError as load_checkpoint does.
CheckpointInfo read_checkpoint_info(const std::string& path);

/// A checkpoint file read into memory and checked once, for callers that first need its info to
/// build the model and optimizer, then restore into them (without reading the file twice, which
/// could see two different files if another process saves in between).
class CheckpointFile {
 public:
  /// Reads and checks `path`; throws CheckpointError.
  static CheckpointFile read(const std::string& path);
  /// The file's version, dtype, specs and run state.
  const CheckpointInfo& info() const;
  /// The path it was read from.
  const std::string& path() const;
  /// Restores into `model` and (unless null) `optimizer`, as load_checkpoint(path, model, optimizer).
  template <typename T>
  void restore(Module<T>& model, Optimizer<T>* optimizer) const;
  /// Restores parameters and buffers only, as load_checkpoint(module, path).
  template <typename T>
  void restore(Module<T>& model) const;

  /// The parsed file (defined in the source; shared, so a CheckpointFile is cheap to copy).
  struct Parsed;

 private:
  explicit CheckpointFile(std::shared_ptr<const Parsed> parsed) : parsed_(std::move(parsed)) {}
  std::shared_ptr<const Parsed> parsed_;
};

}  // namespace minidl
