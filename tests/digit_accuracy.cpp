// minidl_digit_accuracy: digits as users draw them must be classified as well as MNIST's own.
//
//   build/tests/minidl_digit_accuracy [--data DIR] [--model mlp|simple] [--keep DIR]
//
// Trains a network on MNIST (fixed seed), then takes the first 200 test digits and writes each as
// PNG files in altered forms a user's picture might have: dark ink on a white background; enlarged
// to 200x200; moved off-centre on a larger sheet; with thicker strokes; and all of these at once
// (plus a heavy marker, whose accuracy is only reported).
// Each file is read back with read_image, prepared with prepare_digit (the predict program's path)
// and classified. The accuracy on every form must be within 1 point (2 of the 200 digits) of the
// accuracy on the raw test images, as they come from the IDX file.
// Exit status: 0 pass, 1 a form is off by more than a point, 2 no data or another error.

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <minidl/minidl.hpp>
#include <minidl/models/mlp.hpp>
#include <minidl/models/simple_conv_net.hpp>

#include "data_fixtures.hpp"

#ifndef MINIDL_MNIST_DIR
#define MINIDL_MNIST_DIR "data/mnist"
#endif

using namespace minidl;

namespace {

constexpr std::size_t kDigits = 200;        // test digits per form, as the issue asks
constexpr double kMaxDrop = 0.01;           // one point
constexpr std::uint64_t kSeed = 7;
// Thicker strokes: grown by 3 pixels on each side in the 200x200 image, where the digit's 20 px box
// is 143 px: +0.84 px in MNIST's box, a third more than MNIST's median stroke of 2.4 px.
constexpr int kThicken = 3;
// A heavy marker, +1.4 px: reported, not required (measured: the MLP loses 2 points, 3.5 without
// prepare_digit's stroke adjustment; SimpleConvNet 1.5).
constexpr int kMarker = 5;

// A grey float canvas, 0 = background, 1 = ink (MNIST's convention), for building the altered forms
// independently of the library's own resampling.
struct Canvas {
  std::size_t w, h;
  std::vector<double> v;
  double at(std::size_t x, std::size_t y) const { return v[y * w + x]; }
};

Canvas from_mnist(const ByteImageSet& set, std::size_t i) {
  Canvas c{28, 28, std::vector<double>(784)};
  for (std::size_t k = 0; k < 784; ++k) c.v[k] = set.pixels[i * 784 + k] / 255.0;
  return c;
}

// Bilinear enlargement to w x h (pixel centres aligned).
Canvas enlarge(const Canvas& c, std::size_t w, std::size_t h) {
  Canvas out{w, h, std::vector<double>(w * h)};
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const double sx = std::clamp((x + 0.5) * c.w / w - 0.5, 0.0, c.w - 1.0);
      const double sy = std::clamp((y + 0.5) * c.h / h - 0.5, 0.0, c.h - 1.0);
      const auto x0 = static_cast<std::size_t>(sx), y0 = static_cast<std::size_t>(sy);
      const std::size_t x1 = std::min(x0 + 1, c.w - 1), y1 = std::min(y0 + 1, c.h - 1);
      const double fx = sx - x0, fy = sy - y0;
      out.v[y * w + x] = (1 - fy) * ((1 - fx) * c.at(x0, y0) + fx * c.at(x1, y0)) +
                         fy * ((1 - fx) * c.at(x0, y1) + fx * c.at(x1, y1));
    }
  return out;
}

// Thicker strokes: the brightest value within a disc of `radius` pixels.
Canvas thicken(const Canvas& c, int radius) {
  Canvas out{c.w, c.h, std::vector<double>(c.v.size())};
  for (std::size_t y = 0; y < c.h; ++y)
    for (std::size_t x = 0; x < c.w; ++x) {
      double m = 0;
      for (int dy = -radius; dy <= radius; ++dy)
        for (int dx = -radius; dx <= radius; ++dx) {
          if (dx * dx + dy * dy > radius * radius) continue;
          const long xx = static_cast<long>(x) + dx, yy = static_cast<long>(y) + dy;
          if (xx < 0 || yy < 0 || xx >= static_cast<long>(c.w) || yy >= static_cast<long>(c.h)) continue;
          m = std::max(m, c.at(static_cast<std::size_t>(xx), static_cast<std::size_t>(yy)));
        }
      out.v[y * c.w + x] = m;
    }
  return out;
}

// `c` pasted with its top-left corner at (x, y) on a w x h background-only sheet.
Canvas place(const Canvas& c, std::size_t w, std::size_t h, std::size_t x, std::size_t y) {
  Canvas out{w, h, std::vector<double>(w * h, 0.0)};
  for (std::size_t j = 0; j < c.h; ++j)
    for (std::size_t i = 0; i < c.w; ++i) out.v[(y + j) * w + x + i] = c.at(i, j);
  return out;
}

// As an 8-bit image: light ink on black, or (dark_on_white) dark ink on white as RGB, like a scan.
Image to_image(const Canvas& c, bool dark_on_white) {
  Image img = Image::blank(c.w, c.h, dark_on_white ? 3 : 1);
  for (std::size_t k = 0; k < c.v.size(); ++k) {
    const double v = std::clamp(dark_on_white ? 1 - c.v[k] : c.v[k], 0.0, 1.0);
    for (std::size_t ch = 0; ch < img.channels; ++ch)
      img.pixels[k * img.channels + ch] = static_cast<std::uint8_t>(std::lround(v * 255));
  }
  return img;
}

struct Form {
  const char* name;
  std::function<Image(const Canvas&)> make;
  bool required = true;  // must be within a point of the raw images
};

const std::vector<Form>& forms() {
  static const std::vector<Form> f = {
      {"white background", [](const Canvas& c) { return to_image(c, true); }},
      {"200x200", [](const Canvas& c) { return to_image(enlarge(c, 200, 200), false); }},
      {"off-centre", [](const Canvas& c) { return to_image(place(c, 120, 90, 4, 55), false); }},
      {"thicker strokes", [](const Canvas& c) { return to_image(thicken(enlarge(c, 200, 200), kThicken), false); }},
      {"all four", [](const Canvas& c) {
         return to_image(place(thicken(enlarge(c, 200, 200), kThicken), 320, 260, 100, 20), true);
       }},
      {"heavy marker", [](const Canvas& c) { return to_image(thicken(enlarge(c, 200, 200), kMarker), false); }, false},
  };
  return f;
}

std::unique_ptr<Module<float>> train_model(const MnistData& mnist, const std::string& kind, Generator& gen) {
  const bool conv = kind == "simple";
  ImageFormat format;
  format.flatten = !conv;
  const ByteImageDataset<float> train(mnist.train, format);
  std::unique_ptr<Module<float>> model;
  if (conv) model = std::make_unique<models::SimpleConvNet<float>>(gen);
  else model = std::make_unique<models::MLP<float>>(std::vector<std::size_t>{784, 100, 10}, gen);
  std::unique_ptr<Optimizer<float>> opt;
  if (conv) opt = std::make_unique<Adam<float>>(model->parameters(), 0.001);
  else opt = std::make_unique<SGD<float>>(model->parameters(), 0.1);
  TrainerOptions o;
  o.epochs = conv ? 1 : 5;
  o.loader.batch_size = 100;
  o.loader.seed = kSeed;
  o.evaluate_train = false;
  Trainer<float> trainer(*model, *opt, train, nullptr, o);
  trainer.fit();
  model->eval();
  return model;
}

std::size_t predict(Module<float>& model, const Tensor<float>& x) {
  NoGradGuard no_grad;
  const Tensor<float> logits = model.forward(Variable<float>(x)).data();
  return static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

int run(const std::string& data_dir, const std::string& kind, const std::string& keep) {
  MnistData mnist;
  try {
    mnist = load_mnist(data_dir);
  } catch (const DataError& e) {
    std::cerr << "minidl_digit_accuracy: FAILED: MNIST is needed: " << e.what() << "\n";
    return 2;
  }
  Generator gen(kSeed);
  std::unique_ptr<Module<float>> model = train_model(mnist, kind, gen);
  const Shape item = kind == "simple" ? Shape{1, 28, 28} : Shape{784};
  const ByteImageSet& test = *mnist.test;

  std::size_t raw_correct = 0;
  for (std::size_t i = 0; i < kDigits; ++i) {
    Image raw = Image::blank(28, 28, 1);
    std::copy_n(test.pixels.begin() + static_cast<std::ptrdiff_t>(i * 784), 784, raw.pixels.begin());
    raw_correct += predict(*model, digit_tensor(raw, item)) == test.labels[i];
  }
  const double raw_acc = static_cast<double>(raw_correct) / kDigits;
  std::cout << std::fixed << std::setprecision(1) << "minidl_digit_accuracy: " << kind << ", first " << kDigits
            << " test digits\n  raw test images:      " << 100 * raw_acc << "%\n";

  fixtures::TempDir tmp;
  const std::string folder = keep.empty() ? tmp.path() : keep;
  if (!keep.empty()) ::mkdir(keep.c_str(), 0755);
  int failures = 0;
  for (std::size_t f = 0; f < forms().size(); ++f) {
    std::size_t correct = 0;
    for (std::size_t i = 0; i < kDigits; ++i) {
      const std::string path = folder + "/form" + std::to_string(f) + "_" + std::to_string(i) + "_label" +
                               std::to_string(test.labels[i]) + ".png";
      write_png(path, forms()[f].make(from_mnist(test, i)));
      const PreparedDigit d = prepare_digit(read_image(path));
      correct += predict(*model, digit_tensor(d.image, item)) == test.labels[i];
    }
    const double acc = static_cast<double>(correct) / kDigits;
    const bool ok = acc >= raw_acc - kMaxDrop - 1e-12 || !forms()[f].required;
    std::cout << "  " << std::left << std::setw(20) << (std::string(forms()[f].name) + ":") << std::right
              << 100 * acc << "%  (" << (acc >= raw_acc ? "+" : "") << 100 * (acc - raw_acc) << " points)"
              << (!forms()[f].required ? "  (reported only)" : ok ? "" : "  FAILED: more than 1 point below raw") << "\n";
    failures += !ok;
  }
  if (failures) return 1;
  std::cout << "minidl_digit_accuracy: PASS\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (print_version_if_requested(argc, argv, "minidl_digit_accuracy")) return 0;
  std::string data_dir = MINIDL_MNIST_DIR, kind = "mlp", keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) data_dir = argv[++i];
    else if (a == "--model" && i + 1 < argc) kind = argv[++i];
    else if (a == "--keep" && i + 1 < argc) keep = argv[++i];
    else {
      std::cerr << "usage: minidl_digit_accuracy [--data DIR] [--model mlp|simple] [--keep DIR]\n";
      return 2;
    }
  }
  if (kind != "mlp" && kind != "simple") {
    std::cerr << "minidl_digit_accuracy: --model must be mlp or simple\n";
    return 2;
  }
  try {
    return run(data_dir, kind, keep);
  } catch (const std::exception& e) {
    std::cerr << "minidl_digit_accuracy: FAILED: " << e.what() << "\n";
    return 2;
  }
}
