// predict: classify your own digit images with a trained run.
//
//   build/predict runs/mnist_simple my_digit.png               # a run folder (best.ckpt, else model.ckpt)
//   build/predict runs/mnist_mlp/model.ckpt a.png b.pgm --json  # one JSON line per image
//   build/predict runs/mnist_simple photo.png --show seen.png    # also write what the network saw
//
// Each image (PNG, PGM or PPM, any size, dark-on-light or light-on-dark) is prepared the way MNIST
// was made (minidl/data/prepare_digit.hpp): grey, inverted when the background is light, cropped to
// the ink, its longer side scaled to 20 px, centred by centre of mass in 28x28, normalised as in
// training. Prints `<file>: <class> (<probability>)` and the top classes. An image that cannot be
// read is reported and skipped; the exit status is then 1.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include <minidl/minidl.hpp>
#include <minidl/models/input_shape.hpp>
#include <minidl/models/load_model.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kDefaultTop = 3;  // the classes listed after the answer

// How the model wants its input: a flat vector (dense models) or (1, side, side) (CNNs); either way
// one grey square image, which is what prepare_digit makes.
struct InputLayout {
  Shape item;        // the model's input item shape
  std::size_t side;  // the square image's side
};

InputLayout input_layout(const LoadedModel& m) {
  const Shape item = models::input_shape(m.info.model_spec);
  std::size_t pixels = 1;
  for (std::size_t d : item) pixels *= d;
  const auto side = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(pixels))));
  const bool grey_square = (item.size() == 1 && side * side == pixels) ||
                           (item.size() == 3 && item[0] == 1 && item[1] == item[2]);
  if (!grey_square) {
    std::string shape;
    for (std::size_t d : item) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    throw std::invalid_argument(m.path + ": this model takes inputs of shape (" + shape +
                                "); predict prepares single-channel square digit images (e.g. 784 or 1,28,28)");
  }
  return {item, side};
}

// The --show file for image k of n: the name itself for a single image, else name_<k>.png.
std::string show_path(const std::string& show, std::size_t k, std::size_t n) {
  if (n == 1) return show;
  const std::size_t dot = show.rfind('.');
  const std::size_t slash = show.rfind('/');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_ext ? show.substr(0, dot) : show) + "_" + std::to_string(k + 1) + (has_ext ? show.substr(dot) : ".png");
}

// Class probabilities for one prepared image.
std::vector<double> probabilities(Module<float>& model, const Tensor<float>& x) {
  NoGradGuard no_grad;
  const Variable<float> logits = model.forward(Variable<float>(x));
  const Tensor<float> p = softmax_tensor<float>(logits.data(), -1);
  return std::vector<double>(p.begin(), p.end());
}

std::string fixed4(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(4) << v;
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string run;
  std::vector<std::string> images;
  bool json = false, no_prepare = false;
  std::string show;
  std::size_t top = kDefaultTop;
  CLI::App app{"Classify digit images (PNG, PGM, PPM) with a trained minidl run"};
  app.set_version_flag("--version", version_banner("predict"));
  app.add_option("run", run, "a run folder (its best.ckpt, else model.ckpt) or a checkpoint file")
      ->required()->check(CLI::ExistingPath);
  app.add_option("images", images, "image files: PNG, PGM (P2/P5) or PPM (P3/P6)")->required();
  app.add_flag("--json", json, "print one JSON object per image instead of text");
  app.add_option("--show", show, "write the prepared 28x28 image the network saw to this PNG (with several "
                                 "images: NAME_1.png, NAME_2.png, ...)");
  app.add_option("--top", top, "how many classes to list with their probabilities")->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  app.add_flag("--no-prepare", no_prepare, "the images are already MNIST-style (light digit on black, the "
                                           "model's size): only convert to grey and normalise");
  CLI11_PARSE(app, argc, argv);

  LoadedModel m;
  InputLayout layout;
  try {
    m = load_model(run);
    layout = input_layout(m);
  } catch (const std::exception& e) {
    std::cerr << "predict: error: " << e.what() << "\n";
    return 1;
  }

  int status = 0;
  for (std::size_t k = 0; k < images.size(); ++k) {
    const std::string& file = images[k];
    try {
      const Image image = read_image(file);
      PreparedDigit prepared;
      if (no_prepare) {
        if (image.width != layout.side || image.height != layout.side)
          throw std::invalid_argument(file + ": --no-prepare needs a " + std::to_string(layout.side) + "x" +
                                      std::to_string(layout.side) + " image, this one is " +
                                      std::to_string(image.width) + "x" + std::to_string(image.height));
        prepared.image = Image::blank(layout.side, layout.side, 1);
        for (std::size_t i = 0; i < layout.side * layout.side; ++i) {
          const std::uint8_t* p = &image.pixels[i * image.channels];
          prepared.image.pixels[i] = image.channels >= 3
              ? static_cast<std::uint8_t>(std::lround(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]))
              : p[0];
        }
      } else {
        DigitFormat format;
        format.side = layout.side;
        format.box = std::max<std::size_t>(1, layout.side * 20 / 28);  // MNIST's 20 of 28
        prepared = prepare_digit(image, format);
      }
      if (!show.empty()) write_png(show_path(show, k, images.size()), prepared.image);
      const std::vector<double> p = probabilities(*m.model, digit_tensor(prepared.image, layout.item));
      std::vector<std::size_t> order(p.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
      const std::size_t shown = std::min(top, order.size());
      if (json) {
        nlohmann::ordered_json line{{"file", file}, {"class", order[0]}, {"probability", p[order[0]]}};
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < shown; ++i) list.push_back({{"class", order[i]}, {"probability", p[order[i]]}});
        line["top"] = list;
        if (!no_prepare) {
          line["inverted"] = prepared.inverted;
          line["crop"] = {{"x", prepared.crop_x}, {"y", prepared.crop_y}, {"width", prepared.crop_width},
                          {"height", prepared.crop_height}};
        }
        if (!show.empty()) line["shown"] = show_path(show, k, images.size());
        std::cout << line.dump() << "\n";
      } else {
        std::cout << file << ": " << order[0] << " (" << fixed4(p[order[0]]) << ")\n  top " << shown << ":";
        for (std::size_t i = 0; i < shown; ++i)
          std::cout << (i ? ", " : " ") << order[i] << " (" << fixed4(p[order[i]]) << ")";
        std::cout << "\n";
      }
    } catch (const std::exception& e) {
      std::cout.flush();
      std::cerr << "predict: error: " << e.what() << "\n";
      status = 1;
    }
  }
  return status;
}
