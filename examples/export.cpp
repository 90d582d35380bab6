// export: takes a trained network out of minidl, as ONNX (for ONNX Runtime and every other ONNX
// runtime) and/or as NumPy .npz (the parameters by name, for NumPy code such as the book's).
//
//   build/export runs/mnist_simple --onnx model.onnx     # input "input" (batch,1,28,28) -> "logits"
//   build/export runs/mnist_mlp --npz params.npz         # np.load("params.npz")["fc1.W"]
//   build/export runs/mnist_mlp/model.ckpt --onnx m.onnx --npz p.npz --compress
//
// A run folder means its best.ckpt when it has one, else its model.ckpt (minidl::load_model).
// Files are written atomically: a failed export leaves any old file as it was.

#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <minidl/export/onnx.hpp>
#include <minidl/io/atomic_file.hpp>
#include <minidl/io/npz.hpp>
#include <minidl/models/load_model.hpp>
#include <minidl/version.hpp>

namespace {

std::string size_str(std::size_t bytes) {
  std::ostringstream out;
  out << std::fixed;
  if (bytes < 10 * 1024) {
    out << bytes << " bytes";
  } else if (bytes < 10 * 1024 * 1024) {
    out << std::setprecision(0) << static_cast<double>(bytes) / 1024.0 << " KiB";
  } else {
    out << std::setprecision(1) << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  }
  return out.str();
}

std::string batch_shape_str(const minidl::Shape& example) {
  std::string s = "(batch";
  for (std::size_t d : example) s += "," + std::to_string(d);
  return s + ")";
}

}  // namespace

int main(int argc, char** argv) {
  std::string source, onnx_path, npz_path;
  bool compress = false;
  CLI::App app{"Export a trained minidl network as ONNX and/or NumPy .npz"};
  app.set_version_flag("--version", minidl::version_banner("export"));
  app.add_option("run", source, "a run folder (its best.ckpt, else model.ckpt) or a checkpoint file")->required();
  app.add_option("--onnx", onnx_path, "write the network as an ONNX model (opset 13): input \"input\" "
                                      "(batch, ...), output \"logits\" (batch, classes)");
  app.add_option("--npz", npz_path, "write every parameter and buffer as a NumPy .npz, keyed by name (fc1.W, ...)");
  app.add_flag("--compress", compress, "deflate the .npz members (as np.savez_compressed)");
  try {
    app.parse(argc, argv);
    if (onnx_path.empty() && npz_path.empty()) {
      throw CLI::ValidationError("nothing to do: give --onnx FILE and/or --npz FILE");
    }
    if (compress && npz_path.empty()) throw CLI::ValidationError("--compress applies to --npz only");
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    const minidl::LoadedModel loaded = minidl::load_model(source);
    const minidl::Module<float>& model = *loaded.model;
    std::cout << "export: " << model.describe() << " (" << model.num_parameters() << " parameters) from "
              << loaded.path << "\n";
    if (!onnx_path.empty()) {
      minidl::OnnxExportOptions options;
      options.description = "minidl " + model.describe() + ", exported from " + loaded.path +
                             ". Input: images prepared as in training (pixels / 255). Output: class scores (no softmax).";
      options.metadata["minidl_model_spec"] = loaded.info.model_spec.dump();
      options.metadata["minidl_version"] = MINIDL_VERSION_STRING;
      options.example_shape = minidl::onnx_input_shape(model);
      const std::string bytes = minidl::onnx_model_bytes(model, options);
      minidl::write_file_atomically(onnx_path, bytes);
      std::cout << "wrote " << onnx_path << " (ONNX opset 13, input \"input\" " << batch_shape_str(options.example_shape)
                << " -> output \"logits\", " << size_str(bytes.size()) << ")\n";
    }
    if (!npz_path.empty()) {
      minidl::save_npz(model, npz_path, compress);
      const auto params = model.named_parameters();
      const auto buffers = model.named_buffers();
      std::cout << "wrote " << npz_path << " (" << params.size() + buffers.size() << " arrays, float32"
                << (compress ? ", compressed" : "") << "):";
      for (const auto& list : {params, buffers}) {
        for (const auto& [name, v] : list) std::cout << " " << name << minidl::shape_str(minidl::to_shape(v.data().shape()));
      }
      std::cout << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "export: error: " << e.what() << "\n";
    return 1;
  }
}
