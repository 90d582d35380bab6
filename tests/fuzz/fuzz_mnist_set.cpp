// libFuzzer target for load_image_set, the MNIST-set reader (an images file plus a labels file).
//
// Input: byte 0 holds the options (bit 0: require 28x28), byte 1 the number of classes (0 is
// allowed, to reach its check), bytes 2-3 (little-endian) the length of the images file; the rest
// is the images file followed by the labels file. Every input must either load or raise
// DataError; a loaded set must keep the documented invariants, and converting it to tensors
// (the book's x and t) must succeed.

#include <cstdint>

#include "mem_file.hpp"
#include "minidl/data/dataset.hpp"
#include "minidl/data/mnist.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile images("fuzz_images"), labels("fuzz_labels");
  if (size < 4) return 0;
  minidl::MnistOptions opt;
  opt.require_28x28 = data[0] & 1;
  opt.num_classes = data[1];
  std::size_t images_size = data[2] | (std::size_t(data[3]) << 8);
  const std::uint8_t* files = data + 4;
  const std::size_t files_size = size - 4;
  if (images_size > files_size) images_size = files_size;
  images.set(files, images_size);
  labels.set(files + images_size, files_size - images_size);

  try {
    const minidl::ByteImageSet set = minidl::load_image_set(images.path(), labels.path(), opt);
    if (set.item_shape.size() != 2) fuzz::broken("images are 2-d");
    const std::size_t item = set.item_shape[0] * set.item_shape[1];
    if (opt.require_28x28 && item != 28 * 28) fuzz::broken("28x28 when required");
    if (set.pixels.size() != set.labels.size() * item) fuzz::broken("one label per image");
    if (set.num_classes != opt.num_classes) fuzz::broken("num_classes kept");
    for (std::uint8_t l : set.labels) {
      if (l >= set.num_classes) fuzz::broken("labels in [0, num_classes)");
    }
    minidl::ImageFormat format;
    format.flatten = data[0] & 2;
    format.normalize = data[0] & 4;
    const auto x = minidl::images_tensor<float>(set, format);
    const auto t = minidl::one_hot_tensor<float>(set);
    if (x.size() != set.pixels.size() || t.size() != set.labels.size() * set.num_classes) {
      fuzz::broken("tensor sizes");
    }
    if (minidl::label_indices(set).size() != set.labels.size()) fuzz::broken("label indices");
  } catch (const minidl::DataError&) {
    // Rejecting bad input with a DataError is the promised behaviour.
  }
  return 0;
}
