#pragma once
// MNIST (and drop-in look-alikes such as Fashion-MNIST): the book's load_mnist in C++.
//
//   auto mnist = minidl::load_mnist("data/mnist");              // fetch: bash scripts/fetch_mnist.sh
//   Tensor<float> x_train = mnist.x<float>(Split::train);       // (60000, 784) in [0, 1]
//   ByteImageDataset<float> train = mnist.dataset<float>(Split::train);  // for a DataLoader
//
// The images stay uint8 in memory (55 MB for all 70000); conversion to float happens per batch or
// on request.

#include <memory>
#include <string>
#include <vector>

#include "minidl/data/dataset.hpp"
#include "minidl/data/idx.hpp"

namespace minidl {

/// The two parts of a dataset.
enum class Split { train, test };

/// Explicit paths of the four files; an empty entry is looked up in the directory given to
/// load_mnist under its standard name (train-images-idx3-ubyte, ... optionally with .gz).
struct MnistFiles {
  std::string train_images, train_labels, test_images, test_labels;
};

/// Options of load_mnist (the book's normalize / flatten / one_hot_label live in `format`).
struct MnistOptions {
  ImageFormat format;              ///< how x() / t() / dataset() present the data
  MnistFiles files;                ///< explicit file paths, overriding the directory
  bool require_28x28 = true;       ///< reject images of any other size
  std::size_t num_classes = 10;    ///< labels must be in [0, num_classes)
};

/// Train and test sets as shared uint8 images plus the presentation format.
struct MnistData {
  std::shared_ptr<const ByteImageSet> train, test;
  ImageFormat format;

  /// The set of a split.
  const ByteImageSet& set(Split s) const { return s == Split::train ? *train : *test; }

  /// All images as one tensor, as the book's x_train / x_test: (N, 784) if format.flatten else
  /// (N, 1, 28, 28); x/255 in [0, 1] if format.normalize else 0..255.
  template <typename T>
  Tensor<T> x(Split s) const {
    return images_tensor<T>(set(s), format);
  }

  /// Labels as the book's t_train / t_test: one-hot (N, num_classes) if format.one_hot_label,
  /// else the class indices as an (N,) tensor.
  template <typename T>
  Tensor<T> t(Split s) const {
    if (format.one_hot_label) return one_hot_tensor<T>(set(s));
    const ByteImageSet& d = set(s);
    Tensor<T> out = Tensor<T>::from_shape({d.size()});
    for (std::size_t i = 0; i < d.size(); ++i) out.data()[i] = static_cast<T>(d.labels[i]);
    return out;
  }

  /// Labels as class indices.
  std::vector<std::size_t> labels(Split s) const { return label_indices(set(s)); }

  /// A Dataset sharing the split's bytes (no copy), converting per item under `format`.
  template <typename T>
  ByteImageDataset<T> dataset(Split s) const {
    return ByteImageDataset<T>(s == Split::train ? train : test, format);
  }
};

/// The standard file names, in the order train images, train labels, test images, test labels.
const std::vector<std::string>& mnist_file_names();

/// Loads MNIST-format IDX files from `dir` (plain or gzip; names as mnist_file_names(), each also
/// accepted with a .gz suffix) or from the explicit paths in options.files.
/// Throws DataError naming the file when one is missing (the message says how to fetch MNIST: bash
/// scripts/fetch_mnist.sh), malformed (see read_idx), not 28x28 (unless allowed), when image and
/// label counts differ, or when a label is out of [0, num_classes).
MnistData load_mnist(const std::string& dir = "data/mnist", const MnistOptions& options = {});

/// Loads one split from an images file and a labels file, with the checks of load_mnist.
ByteImageSet load_image_set(const std::string& images_path, const std::string& labels_path,
                            const MnistOptions& options = {});

}  // namespace minidl
