// evaluate: how good is a trained run, and where does it go wrong?
//
//   build/evaluate runs/mnist_simple                         # text report, confusion.png, errors.png
//   build/evaluate runs/mnist_simple --filters filters.png   # also the first convolution's filters
//   build/evaluate runs/mnist_mlp/model.ckpt --data data/fashion --limit 1000
//
// Prints the test accuracy, per-class precision and recall, and the confusion matrix; writes the
// confusion matrix as a PNG heat map and a PNG grid of the test images the model got wrong with
// the highest confidence, each labelled with its true class (T), the prediction (P) and the
// probability the model gave it. By default both pictures go into the run folder.

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <minidl/detail/blas.hpp>
#include <minidl/minidl.hpp>
#include <minidl/models/input_shape.hpp>
#include <minidl/models/load_model.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kDenseBatch = 1000;  // images per forward pass, dense models
constexpr std::size_t kConvBatch = 100;    // ... CNNs, whose column buffers grow with the batch
constexpr std::size_t kGridColumns = 8;    // wrong images per row of the errors picture
constexpr std::size_t kErrorZoom = 3;      // 28x28 digits drawn at 84x84
constexpr std::size_t kFilterColumns = 10; // filters per row of the filters picture
constexpr std::size_t kFilterPixels = 40;  // each filter drawn about this large (5x5 at 8x)

// A test image the model got wrong.
struct Mistake {
  std::size_t index;        // in the test set
  std::size_t truth, predicted;
  double confidence;        // the probability given to the wrong class
};

std::string percent(double v, int digits = 2) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << 100 * v << "%";
  return s.str();
}

// The folder the pictures go to by default: the run folder itself, or a checkpoint file's folder.
std::string run_folder(const std::string& run) {
  struct stat st {};
  if (::stat(run.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return run;
  const std::size_t slash = run.rfind('/');
  return slash == std::string::npos ? "." : run.substr(0, slash);
}

// The first convolution's weight with its qualified name ("conv1.W"): the first 4-D parameter
// (FN, C, FH, FW) in registration order.
const Module<float>::Named* first_conv_weight(const std::vector<Module<float>::Named>& params) {
  for (const Module<float>::Named& p : params)
    if (p.second.data().dimension() == 4) return &p;
  return nullptr;
}

int run_evaluation(const std::string& run, const std::string& data_dir, std::size_t limit, std::string confusion_png,
                   std::string errors_png, std::size_t error_count, const std::string& filters_png) {
  LoadedModel m = load_model(run);
  const Shape item = models::input_shape(m.info.model_spec);
  const bool flat = item.size() == 1;
  std::vector<Module<float>::Named> params = m.model->named_parameters();
  const Module<float>::Named* conv = first_conv_weight(params);
  if (!filters_png.empty() && !conv)
    throw std::invalid_argument("--filters: " + m.model->describe() + " (" + m.path +
                                ") has no convolution layer; filters are drawn for simple_conv_net and deep_conv_net");

  MnistData mnist = load_mnist(data_dir);
  ImageFormat format;
  format.flatten = flat;
  const ByteImageDataset<float> data(mnist.test, format);
  if (data.item_shape() != item) {
    std::string want, have;
    for (std::size_t d : item) want += (want.empty() ? "" : ",") + std::to_string(d);
    for (std::size_t d : data.item_shape()) have += (have.empty() ? "" : ",") + std::to_string(d);
    throw std::invalid_argument("the model takes inputs of shape (" + want + ") but the test images of " + data_dir +
                                " are (" + have + ")");
  }
  const std::size_t n = limit ? std::min(limit, data.size()) : data.size();

  // Forward passes in batches, in eval mode and without a graph (load_model set eval mode).
  const std::size_t batch = flat ? kDenseBatch : kConvBatch;
  ConfusionMatrix cm(data.num_classes());
  std::vector<Mistake> mistakes;
  double loss = 0;
  NoGradGuard no_grad;
  for (std::size_t start = 0; start < n; start += batch) {
    const std::size_t b = std::min(batch, n - start);
    Shape shape{b};
    shape.insert(shape.end(), item.begin(), item.end());
    Tensor<float> x = Tensor<float>::from_shape(shape);
    std::vector<std::size_t> labels(b);
    for (std::size_t i = 0; i < b; ++i) labels[i] = data.get(start + i, x.data() + i * data.item_numel());
    const Tensor<float> logits = m.model->forward(Variable<float>(std::move(x))).data();
    if (logits.dimension() != 2 || logits.shape()[1] != cm.classes())
      throw std::runtime_error("the model gives " + std::to_string(logits.dimension() == 2 ? logits.shape()[1] : 0) +
                               " scores per image, the data has " + std::to_string(cm.classes()) + " classes");
    const Tensor<float> p = softmax_tensor<float>(logits, -1);
    const std::size_t classes = cm.classes();
    for (std::size_t i = 0; i < b; ++i) {
      const float* row = p.data() + i * classes;
      const std::size_t pred = static_cast<std::size_t>(std::max_element(row, row + classes) - row);
      cm.add(labels[i], pred);
      loss -= std::log(std::max(static_cast<double>(row[labels[i]]), 1e-30));
      if (pred != labels[i]) mistakes.push_back({start + i, labels[i], pred, row[pred]});
    }
  }

  std::cout << "model: " << m.model->describe() << " (" << m.path << ")\n"
            << "test images: " << n << " of " << data.size() << " (" << data_dir << ")\n"
            << "accuracy: " << percent(cm.accuracy()) << " (" << (n - mistakes.size()) << " of " << n
            << " correct), mean cross-entropy " << std::fixed << std::setprecision(4) << loss / static_cast<double>(n)
            << "\n\n"
            << format_class_report(cm) << "\nconfusion matrix (rows: true class, columns: predicted)\n"
            << format_confusion(cm);

  const std::string folder = run_folder(run);
  if (confusion_png.empty()) confusion_png = folder + "/confusion.png";
  if (errors_png.empty()) errors_png = folder + "/errors.png";
  write_png(confusion_png, viz::confusion_heatmap(cm));
  std::cout << "\nwrote " << confusion_png;

  // The most confident mistakes first; ties by test index, so the picture is reproducible.
  std::stable_sort(mistakes.begin(), mistakes.end(),
                   [](const Mistake& a, const Mistake& b) { return a.confidence > b.confidence; });
  if (mistakes.size() > error_count) mistakes.resize(error_count);
  if (!mistakes.empty()) {
    std::vector<viz::Tile> tiles;
    const ByteImageSet& bytes = *mnist.test;
    const std::size_t h = bytes.item_shape[0], w = bytes.item_shape.size() > 1 ? bytes.item_shape[1] : 1;
    for (const Mistake& e : mistakes) {
      viz::Tile t{Image::blank(w, h, 1), "T" + std::to_string(e.truth) + " P" + std::to_string(e.predicted) + " " +
                                             percent(e.confidence, 1)};
      // MNIST's light-on-black inverted, so the picture reads like ink on paper.
      for (std::size_t k = 0; k < w * h; ++k)
        t.image.pixels[k] = static_cast<std::uint8_t>(255 - bytes.pixels[e.index * w * h + k]);
      tiles.push_back(std::move(t));
    }
    write_png(errors_png, viz::image_grid(tiles, kGridColumns, kErrorZoom, "MOST CONFIDENT MISTAKES: T TRUE, P PREDICTED"));
    std::cout << ", " << errors_png << " (" << mistakes.size() << " most confident mistakes)";
  } else {
    std::cout << " (no mistakes: no " << errors_png << ")";
  }
  if (!filters_png.empty()) {
    const Tensor<float>& w = conv->second.data();
    const std::size_t zoom = std::max<std::size_t>(1, kFilterPixels / std::max<std::size_t>(1, w.shape()[2]));
    write_png(filters_png, viz::image_grid(viz::filter_tiles(w), kFilterColumns, zoom));
    std::cout << ", " << filters_png << " (" << conv->first << ": " << w.shape()[0] << " filters of "
              << w.shape()[2] << "x" << w.shape()[3] << ")";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string run, data_dir = "data/mnist", confusion_png, errors_png, filters_png;
  std::size_t limit = 0, error_count = 32;
  int threads = 1;
  CLI::App app{"Evaluate a trained minidl run on the MNIST test set: accuracy, per-class precision and recall, "
               "confusion matrix, its most confident mistakes"};
  app.set_version_flag("--version", version_banner("evaluate"));
  app.add_option("run", run, "a run folder (its best.ckpt, else model.ckpt) or a checkpoint file")
      ->required()->check(CLI::ExistingPath);
  app.add_option("--data", data_dir, "directory with the MNIST IDX files (plain or .gz)")->capture_default_str();
  app.add_option("--limit", limit, "evaluate only the first N test images (0 = all)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1000000000}));
  app.add_option("--confusion", confusion_png, "where to write the confusion matrix heat map (default RUN/confusion.png)");
  app.add_option("--errors", errors_png, "where to write the grid of most confident mistakes (default RUN/errors.png)");
  app.add_option("--error-count", error_count, "how many mistakes the grid shows")->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  app.add_option("--filters", filters_png, "also draw the first convolution layer's filters into this PNG");
  app.add_option("--threads", threads, "compute threads (0: one per idle core)")->capture_default_str()
      ->check(CLI::Range(0, 64));
  CLI11_PARSE(app, argc, argv);
  try {
    const blas::ThreadChoice choice = blas::apply_threads(threads);
    if (!choice.note.empty()) std::cerr << choice.note << "\n";
    return run_evaluation(run, data_dir, limit, confusion_png, errors_png, error_count, filters_png);
  } catch (const std::exception& e) {
    std::cerr << "evaluate: error: " << e.what() << "\n";
    return 1;
  }
}
