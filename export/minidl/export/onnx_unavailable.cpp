// The ONNX exporter of a build without ONNX (CMake did not find libonnx-dev / libprotobuf-dev): the
// same API, so programs build either way, and every export says what is missing.
#include "minidl/export/onnx.hpp"

namespace minidl {

namespace {

[[noreturn]] void unavailable() {
  throw OnnxExportError("ONNX export is not available: minidl was built without ONNX "
                        "(install libonnx-dev and libprotobuf-dev, e.g. with scripts/setup.sh, and rebuild)");
}

}  // namespace

Shape onnx_input_shape(const Module<float>&) { unavailable(); }

std::string onnx_model_bytes(const Module<float>&, const OnnxExportOptions&) { unavailable(); }

void export_onnx(const Module<float>&, const std::string&, const OnnxExportOptions&) { unavailable(); }

}  // namespace minidl
