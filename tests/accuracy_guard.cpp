// minidl_accuracy_guard: speed work must not change what W1 learns (issue 5, "No loss of accuracy").
//
//   build/tests/minidl_accuracy_guard [--data DIR]            # check against the golden values
//   build/tests/minidl_accuracy_guard [--data DIR] --record   # print new golden values to paste below
//   build/tests/minidl_accuracy_guard --steps-csv FILE        # also write every step's loss (to diff builds)
//
// Trains W1 of docs/performance.md (MLP 784-100-10 ReLU, He init from Generator(42), batch 100 drawn
// by a shuffling DataLoader with seed 1 and drop_last, SGD lr 0.1, softmax cross-entropy) for five
// epochs of MNIST through minidl's Trainer, the loop of the train program, and compares points of
// the loss curve and the test accuracy after epochs 1 and 5 with values recorded before the speed
// work. It trains twice in the same process and requires the two runs to agree bit for bit.
// Exit status: 0 pass, 1 a value moved or the runs differ, 2 no data or another error.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <minidl/core/random.hpp>
#include <minidl/data/mnist.hpp>
#include <minidl/optim/sgd.hpp>
#include <minidl/train/trainer.hpp>
#include <minidl/version.hpp>
#include <minidl/detail/blas.hpp>
#include <minidl/models/mlp.hpp>

#ifndef MINIDL_MNIST_DIR
#define MINIDL_MNIST_DIR "data/mnist"
#endif

using namespace minidl;

namespace {

constexpr std::size_t kEpochs = 5;
constexpr std::size_t kStepsPerEpoch = 600;  // 60000 images / batch 100

/// One number the guard watches: its name, golden value and how far it may move (absolute).
struct Quantity {
  const char* name;
  double golden;
  double tolerance;
};

// Golden values: recorded with `minidl_accuracy_guard --record` on branch guard (on top of 486cfc5,
// before the issue-5 speed work): Release, GCC 12 -march=native (AVX-512), OpenBLAS 0.3.21 with its
// Haswell kernel (what it picks on the AMD EPYC dev machine), 1 thread. Re-record only for a change
// that is MEANT to alter the numerics, and say so in its commit: run the guard with --record and
// paste the printed lines over these (the tolerances are kept).
//
// Tolerances are absolute; "float rounding" was measured as the largest |difference| from these
// golden values over legitimate rounding changes, same code and seed:
//   (a) -DMINIDL_SANITIZE=ON build, (b) OPENBLAS_CORETYPE=SkylakeX (also Cooperlake, Sandybridge,
//   Zen), (c) OPENBLAS_NUM_THREADS=2, (d) -DMINIDL_NATIVE=OFF build (SSE2, no FMA: other vector
//   widths and contractions, as another CI CPU's -march=native gives), (e) x * (1/255) instead of
//   x / 255 in the pixel table:
//     losses at steps 1-100 <= 2.4e-7 (two float ulps), step 600 <= 3e-8, means <= 3e-8 (epoch 5:
//     1.0e-5), test accuracy after epoch 1: 0, after epoch 5: <= 5 images (0.0005).
// Real changes moved them far more. Smallest move over lr 0.1 -> 0.101, shuffle seed 2, init seed
// 43, He init variance 2/n -> 2.02/n, pixels x/256: step 1 4.2e-4 (lr: 0, it acts after step 1),
// step 10 3.2e-3, step 100 7.9e-4, step 600 2.3e-4, mean of steps 1-100 1.3e-3, epoch 1 3.8e-4,
// epoch 5 3.0e-4. Each loss tolerance sits between the two, >= 10x above the rounding spread and
// >= 3x below the smallest real move. The accuracy tolerances (10 and 20 of 10,000 images) only
// catch gross breakage (evaluation, argmax): those real changes moved accuracy by 1-38 images,
// often no more than rounding does; the losses are the fine detector. A single late-step
// loss (e.g. step 3000) is not watched: rounding moves it by 2.4e-4, as much as a real change, so
// only the epoch-5 mean speaks for late training.
const std::vector<Quantity> kGolden = {
    // clang-format off
    {"loss at step 1",               2.336681604385376, 1e-05},
    {"loss at step 10",              1.7013058662414551, 1e-05},
    {"loss at step 100",             0.58555591106414795, 1e-05},
    {"loss at step 600",             0.1312665194272995, 1e-05},
    {"mean loss, steps 1-100",       0.85460158348083493, 2e-06},
    {"mean loss, epoch 1",           0.4277148754398028, 2e-06},
    {"mean loss, epoch 5",           0.13761880867183207, 0.0001},
    {"test accuracy after epoch 1",  0.92490000000000006, 0.001},
    {"test accuracy after epoch 5",  0.96089999999999998, 0.002},
    // clang-format on
};

/// What one training run produced: every step's loss and the test accuracy after each epoch.
struct Curve {
  std::vector<double> loss;
  std::vector<double> test_acc;
};

/// Trains W1 from scratch for kEpochs epochs with the fixed seeds and returns its curve.
Curve train_w1(const MnistData& mnist) {
  const ByteImageDataset<float> train = mnist.dataset<float>(Split::train);
  const ByteImageDataset<float> test = mnist.dataset<float>(Split::test);
  Generator gen(42);
  models::MLP<float> model({784, 100, 10}, gen);
  SGD<float> sgd(model.parameters(), 0.1);
  TrainerOptions opt;
  opt.epochs = kEpochs;
  opt.loader.batch_size = 100;
  opt.loader.sampling = Sampling::shuffle;
  opt.loader.drop_last = true;
  opt.loader.seed = 1;
  opt.evaluate_train = false;  // only test accuracy is guarded; 60k extra forwards an epoch cost time under ASan
  Trainer<float> trainer(model, sgd, train, &test, opt);
  const TrainHistory& h = trainer.fit();
  Curve c;
  c.loss = h.loss;
  for (const EpochStats& e : h.epochs) c.test_acc.push_back(e.metric("test_acc"));
  return c;
}

double mean(const std::vector<double>& v, std::size_t first, std::size_t last) {  // steps first..last, 1-based
  double s = 0;
  for (std::size_t i = first; i <= last; ++i) s += v[i - 1];
  return s / static_cast<double>(last - first + 1);
}

/// The watched quantities of a curve, in kGolden's order.
std::vector<double> measure(const Curve& c) {
  const std::size_t end = kEpochs * kStepsPerEpoch;
  return {c.loss[0],
          c.loss[9],
          c.loss[99],
          c.loss[kStepsPerEpoch - 1],
          mean(c.loss, 1, 100),
          mean(c.loss, 1, kStepsPerEpoch),
          mean(c.loss, end - kStepsPerEpoch + 1, end),
          c.test_acc[0],
          c.test_acc[kEpochs - 1]};
}

/// Writes step,loss with every bit of the float loss (the Trainer's own CSV rounds to 6 digits).
void write_steps(const Curve& c, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write '" + path + "'");
  std::fprintf(f, "step,loss\n");
  for (std::size_t i = 0; i < c.loss.size(); ++i) std::fprintf(f, "%zu,%.9g\n", i + 1, c.loss[i]);
  for (std::size_t e = 0; e < c.test_acc.size(); ++e)
    std::fprintf(f, "# test accuracy after epoch %zu: %.4f\n", e + 1, c.test_acc[e]);
  std::fclose(f);
}

/// First difference between two runs' bits, or "" when they are identical.
std::string first_difference(const Curve& a, const Curve& b) {
  char buf[200];
  if (a.loss.size() != b.loss.size() || a.test_acc.size() != b.test_acc.size()) return "different numbers of steps";
  for (std::size_t i = 0; i < a.loss.size(); ++i)
    if (std::memcmp(&a.loss[i], &b.loss[i], sizeof(double)) != 0) {
      std::snprintf(buf, sizeof buf, "loss at step %zu: %.17g vs %.17g", i + 1, a.loss[i], b.loss[i]);
      return buf;
    }
  for (std::size_t e = 0; e < a.test_acc.size(); ++e)
    if (std::memcmp(&a.test_acc[e], &b.test_acc[e], sizeof(double)) != 0) {
      std::snprintf(buf, sizeof buf, "test accuracy after epoch %zu: %.17g vs %.17g", e + 1, a.test_acc[e],
                    b.test_acc[e]);
      return buf;
    }
  return "";
}

int run(const std::string& data_dir, bool record, const std::string& steps_csv) {
  MnistData mnist;
  try {
    mnist = load_mnist(data_dir);
  } catch (const DataError& e) {
    std::cerr << "minidl_accuracy_guard: FAILED: MNIST is needed and was not found in '" << data_dir
              << "': " << e.what() << "\n  fetch it with: bash scripts/fetch_mnist.sh (scripts/run_tests.sh does)\n";
    return 2;
  }
  std::cout << "minidl_accuracy_guard: W1 for " << kEpochs << " epochs, twice; " << blas::config() << ", "
            << blas::threads() << " thread(s)\n";

  const Curve first = train_w1(mnist);
  const Curve second = train_w1(mnist);
  if (first.loss.size() != kEpochs * kStepsPerEpoch || first.test_acc.size() != kEpochs) {
    std::cerr << "minidl_accuracy_guard: FAILED: expected " << kEpochs * kStepsPerEpoch << " steps and " << kEpochs
              << " evaluations, got " << first.loss.size() << " and " << first.test_acc.size() << "\n";
    return 1;
  }
  const std::vector<double> got = measure(first);
  if (!steps_csv.empty()) write_steps(first, steps_csv);

  if (record) {
    std::cout << "golden values (paste into kGolden in tests/accuracy_guard.cpp, keeping the tolerances):\n";
    for (std::size_t i = 0; i < got.size(); ++i)
      std::printf("    {\"%s\",%*s %.17g, %g},\n", kGolden[i].name, static_cast<int>(28 - std::strlen(kGolden[i].name)),
                  "", got[i], kGolden[i].tolerance);
  }

  const std::string diff = first_difference(first, second);
  if (!diff.empty())
    std::cerr << "FAILED: same seed, same process, two runs differ (training is not deterministic): " << diff << "\n";
  if (record) return diff.empty() ? 0 : 1;

  int failures = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Quantity& q = kGolden[i];
    const double delta = std::abs(got[i] - q.golden);
    const bool ok = delta <= q.tolerance;  // false for NaN too
    std::printf("%-6s %-28s golden %.9g  measured %.9g  |diff| %.3g  tolerance %g\n", ok ? "ok" : "FAILED", q.name,
                q.golden, got[i], delta, q.tolerance);
    if (!ok) ++failures;
  }
  if (failures)
    std::cerr << "minidl_accuracy_guard: FAILED (" << failures << " value(s)): the W1 training curve changed beyond "
              << "float rounding. If the change is meant to alter the numerics, re-record with --record and say "
              << "so in the commit; otherwise the change broke the numerics.\n";
  if (!diff.empty())
    std::cerr << "minidl_accuracy_guard: FAILED: the same seed must give the same run bit for bit (look for state "
              << "kept between runs: static counters, buffers reused without being reset).\n";
  if (failures || !diff.empty()) return 1;
  std::cout << "minidl_accuracy_guard: passed (W1 curve matches the golden values; two runs bit-identical)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = MINIDL_MNIST_DIR;
  bool record = false;
  std::string steps_csv;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--version") {
      std::cout << minidl::version_banner("minidl_accuracy_guard") << "\n";
      return 0;
    } else if (a == "--record") {
      record = true;
    } else if (a == "--steps-csv" && i + 1 < argc) {
      steps_csv = argv[++i];
    } else if (a == "--data" && i + 1 < argc) {
      data_dir = argv[++i];
    } else {
      std::cerr << "usage: minidl_accuracy_guard [--data DIR] [--record] [--steps-csv FILE]\n";
      return 2;
    }
  }
  try {
    return run(data_dir, record, steps_csv);
  } catch (const std::exception& e) {
    std::cerr << "minidl_accuracy_guard: FAILED: " << e.what() << "\n";
    return 2;
  }
}
