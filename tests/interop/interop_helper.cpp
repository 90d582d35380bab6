// Test helper of the ONNX and NumPy interop tests (tests/interop/*.sh): the minidl side of each
// comparison, written as .npy files for the Python and Node scripts to check.
//
//   interop_helper reference CKPT MNIST_DIR N OUT_DIR
//       the first N MNIST test images, shaped as the network takes them, and minidl's logits for
//       them: OUT_DIR/input.npy (N, ...) and OUT_DIR/logits.npy (N, classes), both float32.
//   interop_helper book-predict BOOK_NPZ X_NPY OUT_NPY
//       a float64 TwoLayerNet sized by the archive's W1 and W2, filled from the book's names (W1,
//       b1, W2, b2) by load_npz, and its logits for X (float64) written to OUT_NPY.

#include <iostream>
#include <string>

#include <minidl/core/grad_mode.hpp>
#include <minidl/data/mnist.hpp>
#include <minidl/export/onnx.hpp>
#include <minidl/io/npz.hpp>
#include <minidl/models/load_model.hpp>
#include <minidl/models/two_layer_net.hpp>

namespace {

int reference(const std::string& ckpt, const std::string& mnist_dir, std::size_t n, const std::string& out) {
  minidl::LoadedModel m = minidl::load_model(ckpt);
  const minidl::Shape example = minidl::onnx_input_shape(*m.model);
  minidl::MnistOptions options;
  options.format.flatten = example.size() == 1;
  const minidl::MnistData mnist = minidl::load_mnist(mnist_dir, options);
  const minidl::Tensor<float> all = mnist.x<float>(minidl::Split::test);
  if (n == 0 || n > all.shape()[0]) throw std::invalid_argument("N must be in [1, " + std::to_string(all.shape()[0]) + "]");
  minidl::Shape shape = minidl::to_shape(all.shape());
  shape[0] = n;
  minidl::Tensor<float> x = minidl::zeros_tensor<float>(shape);
  std::copy(all.data(), all.data() + x.size(), x.data());
  minidl::NoGradGuard no_grad;
  const minidl::Tensor<float> logits = m.model->forward(minidl::Variable<float>(x)).data();
  minidl::write_npy(out + "/input.npy", x);
  minidl::write_npy(out + "/logits.npy", logits);
  std::cout << "reference: " << m.model->describe() << ", input " << minidl::shape_str(shape) << ", logits "
            << minidl::shape_str(minidl::to_shape(logits.shape())) << "\n";
  return 0;
}

int book_predict(const std::string& npz, const std::string& x_path, const std::string& out) {
  const minidl::NpzArchive archive = minidl::read_npz(npz);
  const minidl::Shape w1 = archive.at("W1").shape, w2 = archive.at("W2").shape;
  if (w1.size() != 2 || w2.size() != 2) throw std::invalid_argument("W1 and W2 must be matrices");
  minidl::Generator gen(1);
  minidl::models::TwoLayerNet<double> net(w1[0], w1[1], w2[1], gen);
  minidl::load_npz(net, npz, minidl::models::two_layer_net_book_names());
  const minidl::Tensor<double> x = minidl::read_npy(x_path).to_tensor<double>();
  minidl::NoGradGuard no_grad;
  minidl::write_npy(out, net.predict(minidl::Variable<double>(x)).data());
  std::cout << "book-predict: TwoLayerNet " << w1[0] << "-" << w1[1] << "-" << w2[1] << " from " << npz << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "reference" && argc == 6) return reference(argv[2], argv[3], std::stoul(argv[4]), argv[5]);
    if (cmd == "book-predict" && argc == 5) return book_predict(argv[2], argv[3], argv[4]);
    std::cerr << "usage: interop_helper reference CKPT MNIST_DIR N OUT_DIR | book-predict BOOK_NPZ X_NPY OUT_NPY\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "interop_helper: error: " << e.what() << "\n";
    return 1;
  }
}
