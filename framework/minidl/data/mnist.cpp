#include "minidl/data/mnist.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace minidl {

namespace {

// What stat() says about a path: a regular file, a directory, or the OS reason it is neither
// reachable nor usable ("No such file or directory", "Permission denied", ...).
struct PathStatus {
  bool exists = false;
  bool file = false;
  bool directory = false;
  std::string reason;  ///< why it is not usable as a data file: the strerror text, or "not a regular file"
};

PathStatus path_status(const std::string& path) {
  struct stat st {};
  PathStatus out;
  if (::stat(path.c_str(), &st) != 0) {
    out.reason = std::strerror(errno);
    return out;
  }
  out.exists = true;
  out.file = S_ISREG(st.st_mode);
  out.directory = S_ISDIR(st.st_mode);
  if (!out.file) out.reason = "not a regular file";
  return out;
}

[[noreturn]] void directory_error(const std::string& path) {
  throw DataError("'" + path + "' is a directory, expected an IDX file");
}

const char* kFetchHint =
    "Fetch MNIST with `bash scripts/fetch_mnist.sh` (run from the repository root; it writes "
    "data/mnist/), or for Fashion-MNIST install the Debian package dataset-fashion-mnist and load "
    "/usr/share/datasets/fashion-mnist";

// Resolves one of the four files: the explicit path if given, else dir/name or dir/name.gz.
std::string resolve(const std::string& dir, const std::string& name, const std::string& explicit_path,
                    const char* what) {
  if (!explicit_path.empty()) {
    const PathStatus st = path_status(explicit_path);
    if (st.directory) directory_error(explicit_path);
    if (!st.file) {
      throw DataError("MNIST " + std::string(what) + " file '" + explicit_path + "' " +
                      (st.exists ? "is not a regular file" : "not found (" + st.reason + ")") + ". " +
                      kFetchHint);
    }
    return explicit_path;
  }
  const std::string base = dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
  const PathStatus plain = path_status(base);
  if (plain.file) return base;
  const PathStatus gz = path_status(base + ".gz");
  if (gz.file) return base + ".gz";
  // A directory where a data file belongs is a mistake worth naming, not a missing file.
  if (plain.directory) directory_error(base);
  if (gz.directory) directory_error(base + ".gz");
  throw DataError("MNIST " + std::string(what) + " file not found: looked for '" + base + "' (" +
                  plain.reason + ") and '" + base + ".gz' (" + gz.reason + "). " + kFetchHint);
}

}  // namespace

const std::vector<std::string>& mnist_file_names() {
  static const std::vector<std::string> names{"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  return names;
}

ByteImageSet load_image_set(const std::string& images_path, const std::string& labels_path,
                            const MnistOptions& options) {
  IdxArray images = read_idx_images(images_path);
  IdxArray labels = read_idx_labels(labels_path);
  const std::size_t rows = images.dims[1], cols = images.dims[2];
  if (options.require_28x28 && (rows != 28 || cols != 28)) {
    throw DataError("IDX file '" + images_path + "': images are " + std::to_string(rows) + "x" +
                    std::to_string(cols) + ", expected 28x28 (set require_28x28 = false to allow)");
  }
  if (images.count() != labels.count()) {
    throw DataError("image and label counts differ: '" + images_path + "' holds " +
                    std::to_string(images.count()) + " images but '" + labels_path + "' holds " +
                    std::to_string(labels.count()) + " labels");
  }
  if (options.num_classes == 0 || options.num_classes > 256) {
    throw DataError("load_image_set: num_classes " + std::to_string(options.num_classes) +
                    " must be in [1, 256]");
  }
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= options.num_classes) {
      throw DataError("IDX file '" + labels_path + "': label " + std::to_string(labels.data[i]) +
                      " of item " + std::to_string(i) + " (byte offset " + std::to_string(8 + i) +
                      ") is not in [0, " + std::to_string(options.num_classes) + ")");
    }
  }
  ByteImageSet set;
  set.item_shape = {rows, cols};
  set.pixels = std::move(images.data);  // moved, not copied: MNIST stays at one byte a pixel
  set.labels = std::move(labels.data);
  set.num_classes = options.num_classes;
  return set;
}

MnistData load_mnist(const std::string& dir, const MnistOptions& options) {
  const auto& names = mnist_file_names();
  const MnistFiles& f = options.files;
  // Resolve all four first, so a missing test file is reported before reading 47 MB of training images.
  const std::string tri = resolve(dir, names[0], f.train_images, "train images");
  const std::string trl = resolve(dir, names[1], f.train_labels, "train labels");
  const std::string tei = resolve(dir, names[2], f.test_images, "test images");
  const std::string tel = resolve(dir, names[3], f.test_labels, "test labels");
  MnistData out;
  out.format = options.format;
  out.train = std::make_shared<const ByteImageSet>(load_image_set(tri, trl, options));
  out.test = std::make_shared<const ByteImageSet>(load_image_set(tei, tel, options));
  return out;
}

}  // namespace minidl
