#pragma once
// Rebuilding a trained network from its checkpoint alone, for inference tools: the file's model
// spec says which network to build (models/model_spec.hpp), and its tensors fill it.
//
//   minidl::LoadedModel m = minidl::load_model("runs/mnist_deep");   // or ".../model.ckpt"
//   auto logits = m.model->forward(x);   // in eval mode already

#include <memory>
#include <string>

#include <minidl/core/random.hpp>
#include <minidl/io/checkpoint.hpp>
#include <minidl/nn/module.hpp>

namespace minidl {

/// A network rebuilt from a checkpoint, with what it needs to run.
struct LoadedModel {
  /// The generator the network was built with. Networks with dropout draw their masks from it,
  /// so it is kept alive here, and declared first so it outlives the network.
  std::unique_ptr<Generator> generator;
  /// The network, with the file's parameters and buffers, switched to eval mode.
  std::unique_ptr<Module<float>> model;
  /// The file's version, dtype, specs and run state.
  CheckpointInfo info;
  /// The checkpoint file that was read (the resolved path when a run folder was given).
  std::string path;
};

/// The checkpoint a path names: a file is itself; a run folder (as `train --out` writes it) means
/// its best.ckpt when there is one (the epoch chosen on validation data, `--keep best`), else its
/// model.ckpt. Throws CheckpointError when the path does not exist, or the folder holds neither.
std::string resolve_checkpoint_path(const std::string& path);

/// Reads `path` (a checkpoint file or a run folder, see resolve_checkpoint_path), builds the network its model spec describes (float32), loads its parameters and
/// buffers and switches it to eval mode. Throws CheckpointError naming the file if it cannot be
/// read, holds no model spec (version 1 files, or saved with a null spec: build the network
/// yourself and use load_checkpoint), holds float64 values, has a spec make_model rejects (unknown
/// kind, bad config), or tensors that do not fit the network the spec describes.
LoadedModel load_model(const std::string& path);

}  // namespace minidl
