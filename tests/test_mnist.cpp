// MNIST loader: tiny MNIST-shaped files made here (plain and gzip), the consistency checks, the
// tensor helpers, and — when data/mnist exists — the real dataset.

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <numeric>
#include <string>

#include "data_fixtures.hpp"
#include "minidl/data/mnist.hpp"

using namespace minidl;
using fixtures::Bytes;

namespace {

std::string data_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  FAIL("expected a DataError");
  return {};
}

// Writes an MNIST-shaped set (n_train / n_test images of rows x cols) under dir, plain or gzip,
// with labels i % 10 for the train set and (i + 3) % 10 for the test set.
void make_mnist(const fixtures::TempDir& dir, std::size_t n_train, std::size_t n_test, bool gzip,
                std::uint32_t rows = 28, std::uint32_t cols = 28) {
  auto emit = [&](const std::string& name, const Bytes& raw) {
    fixtures::write_bytes(dir.file(gzip ? name + ".gz" : name), gzip ? fixtures::gzip_stored(raw) : raw);
  };
  auto labels = [](std::size_t n, std::size_t shift) {
    Bytes l(n);
    for (std::size_t i = 0; i < n; ++i) l[i] = static_cast<std::uint8_t>((i + shift) % 10);
    return l;
  };
  const auto n_tr = static_cast<std::uint32_t>(n_train), n_te = static_cast<std::uint32_t>(n_test);
  emit("train-images-idx3-ubyte", fixtures::idx_bytes({n_tr, rows, cols}, fixtures::pattern_pixels(n_train, rows * cols)));
  emit("train-labels-idx1-ubyte", fixtures::idx_bytes({n_tr}, labels(n_train, 0)));
  emit("t10k-images-idx3-ubyte", fixtures::idx_bytes({n_te, rows, cols}, fixtures::pattern_pixels(n_test, rows * cols)));
  emit("t10k-labels-idx1-ubyte", fixtures::idx_bytes({n_te}, labels(n_test, 3)));
}

}  // namespace

TEST_CASE("mnist: loads plain and gzip directories identically", "[data][mnist]") {
  fixtures::TempDir plain, gz;
  make_mnist(plain, 12, 5, false);
  make_mnist(gz, 12, 5, true);
  const MnistData a = load_mnist(plain.path()), b = load_mnist(gz.path());
  for (const MnistData* m : {&a, &b}) {
    REQUIRE(m->train->size() == 12);
    REQUIRE(m->test->size() == 5);
    CHECK(m->train->item_shape == Shape{28, 28});
    CHECK(m->train->pixels == fixtures::pattern_pixels(12, 784));
    CHECK(m->labels(Split::train)[11] == 1);
    CHECK(m->labels(Split::test)[0] == 3);
  }
  CHECK(a.train->pixels == b.train->pixels);
  CHECK(a.test->labels == b.test->labels);
}

TEST_CASE("mnist: book-style x/t tensors honour normalize, flatten, one_hot_label", "[data][mnist]") {
  fixtures::TempDir dir;
  make_mnist(dir, 4, 3, false);
  const Bytes px = fixtures::pattern_pixels(4, 784);

  MnistOptions opt;  // defaults: normalize, flatten, indices
  const MnistData m = load_mnist(dir.path(), opt);
  const Tensor<float> x = m.x<float>(Split::train);
  REQUIRE(to_shape(x.shape()) == Shape{4, 784});
  CHECK(x(1, 5) == static_cast<float>(px[784 + 5]) / 255.0f);  // exact: same division as the book
  CHECK(x(2, 100) == static_cast<float>(px[2 * 784 + 100]) / 255.0f);
  const Tensor<double> t = m.t<double>(Split::test);
  REQUIRE(to_shape(t.shape()) == Shape{3});
  CHECK(t(0) == 3.0);
  CHECK(t(2) == 5.0);

  opt.format.normalize = false;
  opt.format.flatten = false;
  opt.format.one_hot_label = true;
  const MnistData r = load_mnist(dir.path(), opt);
  const Tensor<double> x4 = r.x<double>(Split::train);
  REQUIRE(to_shape(x4.shape()) == Shape{4, 1, 28, 28});
  CHECK(x4(3, 0, 2, 7) == static_cast<double>(px[3 * 784 + 2 * 28 + 7]));
  const Tensor<float> oh = r.t<float>(Split::train);
  REQUIRE(to_shape(oh.shape()) == Shape{4, 10});
  for (std::size_t i = 0; i < 4; ++i) {
    float row_sum = 0;
    for (std::size_t c = 0; c < 10; ++c) row_sum += oh(i, c);
    CHECK(row_sum == 1.0f);
    CHECK(oh(i, i % 10) == 1.0f);
  }

  // The dataset view shares the bytes with the loaded set (no copy) and converts the same way.
  const ByteImageDataset<double> ds = r.dataset<double>(Split::train);
  CHECK(&ds.images() == r.train.get());
  CHECK(ds.item_shape() == Shape{1, 28, 28});
  std::vector<double> item(784);
  CHECK(ds.get(3, item.data()) == 3);
  CHECK(item[2 * 28 + 7] == x4(3, 0, 2, 7));
}

TEST_CASE("mnist: explicit file paths override the directory", "[data][mnist]") {
  fixtures::TempDir a, b;
  make_mnist(a, 6, 2, false);
  make_mnist(b, 9, 4, true);
  MnistOptions opt;
  opt.files.test_images = b.file("t10k-images-idx3-ubyte.gz");
  opt.files.test_labels = b.file("t10k-labels-idx1-ubyte.gz");
  const MnistData m = load_mnist(a.path(), opt);
  CHECK(m.train->size() == 6);
  CHECK(m.test->size() == 4);

  opt.files.test_labels = b.file("missing-labels");
  const auto msg = data_error_of([&] { load_mnist(a.path(), opt); });
  CHECK_THAT(msg, Catch::Contains(b.file("missing-labels")) && Catch::Contains("test labels") &&
                      Catch::Contains("bash scripts/fetch_mnist.sh"));
}

TEST_CASE("mnist: inconsistent or missing data raises DataError naming the file", "[data][mnist]") {
  fixtures::TempDir dir;
  SECTION("missing directory: the message says how to fetch the data") {
    const std::string where = dir.file("no-such-dir");
    const auto msg = data_error_of([&] { load_mnist(where); });
    CHECK_THAT(msg, Catch::Contains(where + "/train-images-idx3-ubyte' (No such file or directory)") &&
                        Catch::Contains("train-images-idx3-ubyte.gz") &&
                        Catch::Contains("bash scripts/fetch_mnist.sh") &&
                        Catch::Contains("dataset-fashion-mnist"));
  }
  SECTION("a directory where a data file belongs") {
    make_mnist(dir, 3, 3, false);
    std::filesystem::remove(dir.file("t10k-images-idx3-ubyte"));
    std::filesystem::create_directory(dir.file("t10k-images-idx3-ubyte"));
    const auto msg = data_error_of([&] { load_mnist(dir.path()); });
    CHECK(msg == "'" + dir.file("t10k-images-idx3-ubyte") + "' is a directory, expected an IDX file");
  }
  SECTION("an explicit path that is a directory") {
    make_mnist(dir, 3, 3, false);
    MnistOptions opt;
    opt.files.train_labels = dir.path();
    const auto msg = data_error_of([&] { load_mnist(dir.path(), opt); });
    CHECK(msg == "'" + dir.path() + "' is a directory, expected an IDX file");
  }
  SECTION("the OS reason is given when a path cannot be used") {
    const std::string not_a_dir = dir.file("plain-file");
    fixtures::write_bytes(not_a_dir, {1, 2, 3});
    const auto msg = data_error_of([&] { load_mnist(not_a_dir); });
    CHECK_THAT(msg, Catch::Contains(not_a_dir + "/train-images-idx3-ubyte' (Not a directory)"));
    make_mnist(dir, 3, 3, false);
    MnistOptions opt;
    opt.files.test_images = dir.file("gone");
    const auto explicit_msg = data_error_of([&] { load_mnist(dir.path(), opt); });
    CHECK_THAT(explicit_msg, Catch::Contains("'" + dir.file("gone") + "' not found (No such file or directory)"));
  }
  SECTION("missing test labels") {
    make_mnist(dir, 3, 3, false);
    std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte"));
    const auto msg = data_error_of([&] { load_mnist(dir.path()); });
    CHECK_THAT(msg, Catch::Contains("test labels file not found") &&
                        Catch::Contains("t10k-labels-idx1-ubyte"));
  }
  SECTION("image and label counts differ") {
    make_mnist(dir, 3, 3, false);
    fixtures::write_bytes(dir.file("train-labels-idx1-ubyte"), fixtures::idx_bytes({2}, {1, 2}));
    const auto msg = data_error_of([&] { load_mnist(dir.path()); });
    CHECK_THAT(msg, Catch::Contains("counts differ") && Catch::Contains("holds 3 images") &&
                        Catch::Contains("holds 2 labels") &&
                        Catch::Contains(dir.file("train-labels-idx1-ubyte")));
  }
  SECTION("label out of range") {
    make_mnist(dir, 3, 3, false);
    fixtures::write_bytes(dir.file("t10k-labels-idx1-ubyte"), fixtures::idx_bytes({3}, {1, 10, 2}));
    const auto msg = data_error_of([&] { load_mnist(dir.path()); });
    CHECK_THAT(msg, Catch::Contains(dir.file("t10k-labels-idx1-ubyte")) &&
                        Catch::Contains("label 10 of item 1") && Catch::Contains("byte offset 9") &&
                        Catch::Contains("[0, 10)"));
  }
  SECTION("images not 28x28 unless allowed") {
    make_mnist(dir, 3, 2, false, 8, 6);
    const auto msg = data_error_of([&] { load_mnist(dir.path()); });
    CHECK_THAT(msg, Catch::Contains("images are 8x6, expected 28x28") &&
                        Catch::Contains(dir.file("train-images-idx3-ubyte")));
    MnistOptions opt;
    opt.require_28x28 = false;
    opt.format.flatten = false;
    const MnistData m = load_mnist(dir.path(), opt);
    CHECK(to_shape(m.x<float>(Split::test).shape()) == Shape{2, 1, 8, 6});
  }
  SECTION("labels file where images belong") {
    make_mnist(dir, 3, 3, false);
    fixtures::write_bytes(dir.file("train-images-idx3-ubyte"), fixtures::idx_bytes({3}, {1, 2, 3}));
    const auto msg = data_error_of([&] { load_mnist(dir.path()); });
    CHECK_THAT(msg, Catch::Contains("wrong magic number 0x00000801"));
  }
}

TEST_CASE("mnist: the real dataset, if fetched", "[data][mnist][real]") {
  // Tests run from the repository root (ctest WORKING_DIRECTORY); also try one level up for runs
  // from the build directory.
  std::string dir;
  for (const char* d : {"data/mnist", "../data/mnist"})
    if (std::filesystem::exists(std::string(d) + "/train-images-idx3-ubyte")) dir = d;
  if (dir.empty()) {
    WARN("data/mnist not found: skipping the real-MNIST test (fetch with bash scripts/fetch_mnist.sh)");
    return;
  }
  const MnistData m = load_mnist(dir);
  REQUIRE(m.train->size() == 60000);
  REQUIRE(m.test->size() == 10000);
  CHECK(m.train->item_shape == Shape{28, 28});
  CHECK(m.train->pixels.size() == 60000u * 784u);

  // Mean pixel over the training set, the constant torchvision normalizes with.
  const double sum = std::accumulate(m.train->pixels.begin(), m.train->pixels.end(), 0.0);
  CHECK(sum / 255.0 / static_cast<double>(m.train->pixels.size()) == Approx(0.1307).margin(5e-4));

  // Label histograms: every class present, sums match, and the known train counts of 0 and 1.
  std::size_t hist[10] = {}, hist_test[10] = {};
  for (auto l : m.train->labels) ++hist[l];
  for (auto l : m.test->labels) ++hist_test[l];
  CHECK(std::accumulate(hist, hist + 10, std::size_t(0)) == 60000);
  CHECK(std::accumulate(hist_test, hist_test + 10, std::size_t(0)) == 10000);
  CHECK(hist[0] == 5923);
  CHECK(hist[1] == 6742);
  CHECK(hist_test[0] == 980);
  for (std::size_t c = 0; c < 10; ++c) CHECK(hist[c] > 5000);
}

TEST_CASE("mnist: Fashion-MNIST from the Debian package (gzip), if installed", "[data][mnist][real]") {
  const std::string dir = "/usr/share/datasets/fashion-mnist";  // dataset-fashion-mnist
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST not installed: skipping (apt-get install dataset-fashion-mnist)");
    return;
  }
  const MnistData m = load_mnist(dir);
  REQUIRE(m.train->size() == 60000);
  REQUIRE(m.test->size() == 10000);
  CHECK(m.train->item_shape == Shape{28, 28});
  // Fashion-MNIST is exactly balanced: 6000 train and 1000 test items per class.
  std::size_t hist[10] = {}, hist_test[10] = {};
  for (auto l : m.train->labels) ++hist[l];
  for (auto l : m.test->labels) ++hist_test[l];
  for (std::size_t c = 0; c < 10; ++c) {
    CHECK(hist[c] == 6000);
    CHECK(hist_test[c] == 1000);
  }
  const double sum = std::accumulate(m.train->pixels.begin(), m.train->pixels.end(), 0.0);
  CHECK(sum / 255.0 / static_cast<double>(m.train->pixels.size()) == Approx(0.2860).margin(5e-4));
}
