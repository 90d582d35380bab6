// minidl_bench: the speed and memory figures of docs/performance.md.
//
//   build/minidl_bench                       # all workloads, 1 thread
//   build/minidl_bench --workloads W1,W2 --threads 2 --repeats 7
//   build/minidl_bench --workloads W1,W3 --threads 1,2      # each workload at 1 then 2 threads, back to back
//   build/minidl_bench --workloads W1,W3 --threads 1,0 --contended   # 0 = the programs' default choice,
//                                                                    # with one core kept busy
//   build/minidl_bench --quick               # a fast smoke run (fewer steps and repeats)
//   build/minidl_bench --workloads W4 --w4-full   # also time the book's full-forward numerical gradient
//
// Prints one JSON line per workload as it finishes, then a table. Run from the repository root (or
// pass --data) so that data/mnist is found.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <chrono>
#include <stdexcept>
#include <vector>

#include <CLI/CLI.hpp>

#include <minidl/core/random.hpp>
#include <minidl/data/dataloader.hpp>
#include <minidl/data/idx.hpp>
#include <minidl/data/mnist.hpp>
#include <minidl/ops/loss.hpp>
#include <minidl/optim/adam.hpp>
#include <minidl/optim/sgd.hpp>
#include <minidl/version.hpp>
#include <minidl/detail/blas.hpp>
#include <minidl/detail/buffer_pool.hpp>
#include <minidl/models/mlp.hpp>
#include <minidl/models/simple_conv_net.hpp>
#include <minidl/models/two_layer_net.hpp>

#include "alloc_counter.hpp"
#include "gemm_baseline.hpp"
#include "timing.hpp"

using namespace minidl;

namespace {

struct Config {
  std::string threads = "1";  // comma-separated thread counts, each run back to back; 0 = automatic
  bool contended = false;     // keep one core busy with a spinning child process
  std::size_t repeats = 5;
  std::string workloads = "W1,W2,W3,W4";
  std::string data_dir = "data/mnist";
  bool quick = false;
  bool w4_full = false;  // also time numerical_gradient_full_forward once (~16 s)
};

/// One workload's results; fields left at 0 are not printed.
struct Result {
  std::string name, what, dtype = "float32";
  std::size_t batch = 0, steps_per_run = 0;
  bench::Stats step;            // seconds per step (W4: per gradient)
  bench::Stats gemm;            // seconds per step's GEMMs alone
  double gemm_gflops = 0;       // GFLOP/s of the GEMM-only run (median)
  double allocs_per_step = 0, alloc_kib_per_step = 0;
  double large_allocs_per_step = 0;      // system allocations of >= 4 KiB (data buffers outside the cache)
  double tensor_buffers_per_step = 0;    // tensor buffers a step takes from the cache...
  double tensor_system_allocs_per_step = 0;  // ...and how many of them the cache could not serve
  double page_faults_per_step = 0;       // minor page faults (fresh memory touched) per step
  double peak_rss_mib = 0;
  bench::Stats backprop;        // W4 only: the backprop gradient
  bench::Stats full_forward;    // W4 with --w4-full: the book's full-forward numerical gradient
  double max_diff_full = -1;    // W4 with --w4-full: max |incremental − full-forward|
  std::string threads_label;    // "t1", "t2", "auto:1": the thread setting of the run
};

long minor_page_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string stats_json(const bench::Stats& s, double scale) {
  std::ostringstream o;
  o << std::setprecision(6) << "{\"median\":" << s.median * scale << ",\"min\":" << s.min * scale
    << ",\"max\":" << s.max * scale << ",\"runs\":" << s.runs << "}";
  return o.str();
}

/// How a run's threads were chosen, for the JSON lines and the table.
struct RunSetup {
  int threads = 1;         // threads in use
  bool automatic = false;  // the programs' default choice (--threads 0)
  bool contended = false;  // one core kept busy by the benchmark
};

// JSON string escaping for the few free-text fields.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void print_json(const Result& r, const RunSetup& setup) {
  std::ostringstream o;
  o << std::setprecision(6) << "{\"workload\":\"" << r.name << "\",\"what\":\"" << r.what << "\",\"threads\":" << setup.threads
    << ",\"threads_automatic\":" << (setup.automatic ? "true" : "false")
    << ",\"contended\":" << (setup.contended ? "true" : "false")
    << ",\"blas_kernel\":" << json_string(blas::kernel().name)
    << ",\"blas_kernel_reason\":" << json_string(blas::kernel().reason)
    << ",\"dtype\":\"" << r.dtype << "\",\"batch\":" << r.batch;
  if (r.name == "W4") {
    o << ",\"numerical_s\":" << stats_json(r.step, 1) << ",\"backprop_ms\":" << stats_json(r.backprop, 1e3)
      << ",\"ratio_numerical_over_backprop\":" << r.step.median / r.backprop.median;
    if (r.full_forward.runs > 0) {
      o << ",\"full_forward_s\":" << stats_json(r.full_forward, 1)
        << ",\"max_abs_incremental_minus_full\":" << r.max_diff_full;
    }
  } else {
    o << ",\"steps_per_run\":" << r.steps_per_run << ",\"step_ms\":" << stats_json(r.step, 1e3)
      << ",\"gemm_only_ms\":" << stats_json(r.gemm, 1e3) << ",\"gemm_gflops\":" << r.gemm_gflops
      << ",\"ratio_step_over_gemm\":" << r.step.median / r.gemm.median << ",\"allocs_per_step\":" << r.allocs_per_step
      << ",\"alloc_kib_per_step\":" << r.alloc_kib_per_step << ",\"large_allocs_per_step\":" << r.large_allocs_per_step
      << ",\"tensor_buffers_per_step\":" << r.tensor_buffers_per_step
      << ",\"tensor_system_allocs_per_step\":" << r.tensor_system_allocs_per_step
      << ",\"page_faults_per_step\":" << r.page_faults_per_step;
  }
  if (r.peak_rss_mib > 0) o << ",\"peak_rss_mib\":" << r.peak_rss_mib;
  o << "}";
  std::cout << o.str() << std::endl;
}

/// Times one training step (batch from `loader`, forward, loss, backward, update) over runs of
/// `steps` steps, counts allocations over the timed runs, and times the step's GEMMs alone.
template <typename Model, typename Opt>
void time_training(Result& r, Model& model, Opt& opt, DataLoader<float>& loader, std::size_t steps,
                   std::size_t warmup, std::size_t repeats, bench::GemmRunner& gemms) {
  std::size_t next = loader.num_batches();  // forces start_epoch() on the first step
  auto step = [&] {
    if (next == loader.num_batches()) {
      loader.start_epoch();
      next = 0;
    }
    const Batch<float>& batch = loader.batch(next++);
    opt.zero_grad();
    Variable<float> loss = softmax_cross_entropy(model(Variable<float>(batch.features)), batch.labels);
    loss.backward();
    opt.step();
  };
  auto run = [&] {
    for (std::size_t i = 0; i < steps; ++i) step();
  };
  for (std::size_t i = 0; i < warmup; ++i) step();
  reset_buffer_pool_counters();
  const long faults0 = minor_page_faults();
  const bench::AllocCount a0 = bench::alloc_count();
  r.step = bench::time_runs(run, 0, repeats, steps);
  const bench::AllocCount a1 = bench::alloc_count();
  const long faults1 = minor_page_faults();
  const BufferPoolStats pool = buffer_pool_stats();
  const double total_steps = static_cast<double>(steps * repeats);
  r.allocs_per_step = static_cast<double>(a1.calls - a0.calls) / total_steps;
  r.alloc_kib_per_step = static_cast<double>(a1.bytes - a0.bytes) / 1024.0 / total_steps;
  r.large_allocs_per_step = static_cast<double>(a1.large_calls - a0.large_calls) / total_steps;
  r.tensor_buffers_per_step = static_cast<double>(pool.reuses + pool.system_allocations) / total_steps;
  r.tensor_system_allocs_per_step = static_cast<double>(pool.system_allocations) / total_steps;
  r.page_faults_per_step = static_cast<double>(faults1 - faults0) / total_steps;
  r.steps_per_run = steps;
  // GEMM-only: as many products as `steps` steps issue, per run, same repeats.
  auto gemm_run = [&] {
    for (std::size_t i = 0; i < steps; ++i) gemms.run();
  };
  r.gemm = bench::time_runs(gemm_run, 1, repeats, steps);
  r.gemm_gflops = gemms.flops() / r.gemm.median / 1e9;
}

Result run_mlp(const std::string& name, const MnistData& mnist, const std::vector<std::size_t>& sizes,
               std::size_t batch, std::size_t steps, std::size_t warmup, std::size_t repeats) {
  Result r;
  r.name = name;
  std::ostringstream what;
  what << "MLP ";
  for (std::size_t i = 0; i < sizes.size(); ++i) what << (i ? "-" : "") << sizes[i];
  what << " ReLU, SGD lr 0.1";
  r.what = what.str();
  r.batch = batch;
  ByteImageDataset<float> train = mnist.dataset<float>(Split::train);
  LoaderOptions lo;
  lo.batch_size = batch;
  lo.drop_last = true;  // every timed step has a full batch
  lo.seed = 1;
  DataLoader<float> loader(train, lo);
  Generator gen(42);
  models::MLP<float> model(sizes, gen);
  SGD<float> opt(model.parameters(), 0.1);
  bench::GemmRunner gemms(bench::mlp_step_gemms(sizes, batch));
  time_training(r, model, opt, loader, steps == 0 ? loader.num_batches() : steps, warmup, repeats, gemms);
  return r;
}

Result run_conv(const MnistData& mnist, std::size_t steps, std::size_t warmup, std::size_t repeats) {
  Result r;
  r.name = "W3";
  r.what = "SimpleConvNet 30x5x5-100-10, Adam lr 0.001";
  r.batch = 100;
  ImageFormat format;
  format.flatten = false;  // (1,28,28) images
  ByteImageDataset<float> train(mnist.train, format);
  LoaderOptions lo;
  lo.batch_size = r.batch;
  lo.drop_last = true;
  lo.seed = 1;
  DataLoader<float> loader(train, lo);
  Generator gen(42);
  models::SimpleConvNet<float> model(gen);
  Adam<float> opt(model.parameters(), 0.001);
  bench::GemmRunner gemms(bench::simple_conv_step_gemms(r.batch));
  time_training(r, model, opt, loader, steps, warmup, repeats, gemms);
  return r;
}

Result run_gradients(const MnistData& mnist, std::size_t repeats, bool full_forward) {
  Result r;
  r.name = "W4";
  r.what = "TwoLayerNet 784-50-10 numerical vs backprop gradient";
  r.dtype = "float64";
  r.batch = 100;
  ByteImageDataset<double> train = mnist.dataset<double>(Split::train);
  DataLoader<double> loader(train, {r.batch, Sampling::sequential});
  loader.start_epoch();
  const Batch<double>& batch = loader.batch(0);
  const Variable<double> x(batch.features);
  const std::vector<std::size_t> labels = batch.labels;
  Generator gen(42);
  models::TwoLayerNet<double> net(784, 50, 10, gen);
  models::GradMap<double> numerical, backprop;
  r.step = bench::time_runs([&] { numerical = net.numerical_gradient(x, labels); }, 0, repeats, 1);
  r.backprop = bench::time_runs([&] { backprop = net.gradient(x, labels); }, 3, std::max<std::size_t>(repeats, 20), 1);
  // Sanity: the two gradients must agree, or the timing compares different things.
  double worst = 0;
  for (const auto& [key, g] : numerical) {
    const auto& b = backprop.at(key);
    for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::abs(g.data()[i] - b.data()[i]));
  }
  std::cout << "  W4 check: max |numerical - backprop| = " << worst << "\n";
  if (full_forward) {
    // The book's algorithm, once: two full forward passes per parameter element.
    models::GradMap<double> full;
    r.full_forward = bench::time_runs([&] { full = net.numerical_gradient_full_forward(x, labels); }, 0, 1, 1);
    r.max_diff_full = 0;
    for (const auto& [key, g] : numerical) {
      const auto& f = full.at(key);
      for (std::size_t i = 0; i < g.size(); ++i)
        r.max_diff_full = std::max(r.max_diff_full, std::abs(g.data()[i] - f.data()[i]));
    }
    std::cout << "  W4 full-forward numerical gradient " << r.full_forward.median
              << " s; max |incremental - full-forward| = " << r.max_diff_full << "\n";
  }
  return r;
}

std::string fmt(double v, int prec = 3) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(prec) << v;
  return o.str();
}

void print_table(const std::vector<Result>& results) {
  std::cout << "\n"
            << std::left << std::setw(4) << "" << std::setw(8) << "threads" << std::setw(46) << "workload" << std::right << std::setw(22)
            << "step ms med [min,max]" << std::setw(11) << "GEMM ms" << std::setw(9) << "ratio" << std::setw(11)
            << "allocs/st" << std::setw(11) << "KiB/st" << std::setw(10) << ">=4KiB" << std::setw(14) << "tensors/st"
            << std::setw(12) << "sys tensors" << std::setw(9) << "faults" << "\n";
  for (const Result& r : results) {
    std::cout << std::left << std::setw(4) << r.name << std::setw(8) << r.threads_label << std::setw(46)
              << (r.what + ", b" + std::to_string(r.batch));
    if (r.name == "W4") {
      std::cout << "\n    numerical " << fmt(r.step.median, 2) << " s [" << fmt(r.step.min, 2) << ", "
                << fmt(r.step.max, 2) << "], backprop " << fmt(r.backprop.median * 1e3) << " ms ["
                << fmt(r.backprop.min * 1e3) << ", " << fmt(r.backprop.max * 1e3) << "], ratio "
                << fmt(r.step.median / r.backprop.median, 0) << "x (float64)\n";
      if (r.full_forward.runs > 0) {
        std::cout << "    full-forward numerical (the book's algorithm, 1 run) " << fmt(r.full_forward.median, 2)
                  << " s, max |incremental - full| " << r.max_diff_full << "\n";
      }
      continue;
    }
    std::cout << std::right << std::setw(22)
              << (fmt(r.step.median * 1e3) + " [" + fmt(r.step.min * 1e3, 2) + "," + fmt(r.step.max * 1e3, 2) + "]")
              << std::setw(11) << fmt(r.gemm.median * 1e3) << std::setw(8) << fmt(r.step.median / r.gemm.median, 2)
              << "x" << std::setw(11) << fmt(r.allocs_per_step, 1) << std::setw(11) << fmt(r.alloc_kib_per_step, 0)
              << std::setw(10) << fmt(r.large_allocs_per_step, 2) << std::setw(14) << fmt(r.tensor_buffers_per_step, 1)
              << std::setw(12) << fmt(r.tensor_system_allocs_per_step, 2) << std::setw(9)
              << fmt(r.page_faults_per_step, 1) << "\n";
    if (r.peak_rss_mib > 0) std::cout << "    peak RSS after " << r.name << ": " << fmt(r.peak_rss_mib, 1) << " MiB\n";
  }
  std::cout << "(threads: tN = N threads as given, auto:N = the programs' default choice, N; ratio = step median / GEMM-only median; allocs/st and KiB/st:\n"
            << " every malloc/calloc/realloc/memalign/posix_memalign/aligned_alloc call of a step; >=4KiB: those of at\n"
            << " least 4 KiB; tensors/st: tensor buffers a step takes from the buffer cache; sys tensors: how many of\n"
            << " those the cache had to get from the system allocator; faults: minor page faults per step)\n";
}

// A child process spinning on one core until killed: the "one core busy" of --contended. A
// process, not a thread, so that blas::idle_cores() counts it as competition.
class BusyCore {
 public:
  BusyCore() {
    pid_ = fork();
    if (pid_ == 0) {
      volatile unsigned long long n = 0;
      for (;;) n = n + 1;
    }
    if (pid_ < 0) throw std::runtime_error("--contended: fork failed");
    // Let it be counted by the idle-core sample of the automatic thread choice.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ~BusyCore() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  BusyCore(const BusyCore&) = delete;
  BusyCore& operator=(const BusyCore&) = delete;

 private:
  pid_t pid_ = -1;
};

std::vector<int> parse_thread_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  for (std::string t; std::getline(ss, t, ',');) {
    std::size_t used = 0;
    int n = -1;
    try {
      n = std::stoi(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != t.size() || n < 0 || n > 64)
      throw std::invalid_argument("--threads: '" + t + "' is not a thread count in [0, 64] (0 = automatic)");
    out.push_back(n);
  }
  if (out.empty()) throw std::invalid_argument("--threads: no thread count given");
  return out;
}

int run(const Config& cfg) {
  const std::vector<int> thread_list = parse_thread_list(cfg.threads);
  std::unique_ptr<BusyCore> busy;
  if (cfg.contended) busy = std::make_unique<BusyCore>();
  std::set<std::string> wanted;
  {
    std::stringstream ss(cfg.workloads);
    for (std::string w; std::getline(ss, w, ',');) {
      if (w != "W1" && w != "W2" && w != "W3" && w != "W4")
        throw std::invalid_argument("--workloads: unknown workload '" + w + "' (W1, W2, W3, W4)");
      wanted.insert(w);
    }
  }
  const std::size_t reps = cfg.quick ? std::min<std::size_t>(cfg.repeats, 3) : cfg.repeats;
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  const std::string kernel = blas::kernel().label();  // loads OpenBLAS (may throw: nothing printed yet)
  std::cout << "minidl_bench: OpenBLAS kernel " << kernel << "; " << blas::config() << "\n"
            << "  threads " << cfg.threads << (cfg.contended ? " with one core kept busy (--contended)" : "")
            << ", repeats " << reps << (cfg.quick ? " (quick)" : "")
            << ", load average " << fmt(load[0], 2) << " " << fmt(load[1], 2) << " " << fmt(load[2], 2) << "\n";
  {  // Show that the counter sees both routes into the heap.
    const bench::AllocCount c0 = bench::alloc_count();
    std::unique_ptr<int> p(new int(1));
    const bench::AllocCount c1 = bench::alloc_count();
    Tensor<float> t = Tensor<float>::from_shape({16, 16});
    const bench::AllocCount c2 = bench::alloc_count();
    std::cout << "  allocation counter check: new int -> " << (c1.calls - c0.calls) << ", Tensor<float>(16,16), a size not yet cached -> "
              << (c2.calls - c1.calls) << " (" << (c2.bytes - c1.bytes) << " B)\n";
  }

  MnistData mnist;
  try {
    mnist = load_mnist(cfg.data_dir);
  } catch (const DataError& e) {
    std::cerr << "minidl_bench: MNIST not found in '" << cfg.data_dir << "': " << e.what()
              << "\n  fetch it with: bash scripts/fetch_mnist.sh (then run from the repository root, or pass --data)\n";
    return 2;
  }

  // Each workload runs at every thread count in turn, back to back, so their ratios share the
  // machine's state.
  std::vector<Result> results;
  auto at_each_thread_count = [&](const std::string& name, auto&& run_workload) {
    if (!wanted.count(name)) return;
    for (int requested : thread_list) {
      const blas::ThreadChoice choice = blas::apply_threads(requested);
      const RunSetup setup{choice.threads, choice.automatic, cfg.contended};
      results.push_back(run_workload());
      results.back().threads_label = (choice.automatic ? "auto:" : "t") + std::to_string(choice.threads);
      print_json(results.back(), setup);
    }
  };
  // One run = one epoch of 600 steps (quick: 100 steps).
  at_each_thread_count("W1", [&] {
    Result r = run_mlp("W1", mnist, {784, 100, 10}, 100, cfg.quick ? 100 : 0, 50, reps);
    r.peak_rss_mib = peak_rss_mib();
    return r;
  });
  at_each_thread_count("W2", [&] { return run_mlp("W2", mnist, {784, 512, 512, 10}, 128, cfg.quick ? 30 : 100, 20, reps); });
  at_each_thread_count("W3", [&] { return run_conv(mnist, cfg.quick ? 5 : 20, 5, reps); });
  at_each_thread_count("W4", [&] {
    return run_gradients(mnist, cfg.quick ? 1 : std::min<std::size_t>(reps, 3), cfg.w4_full);
  });
  print_table(results);
  // Step-time ratios against the first thread setting, per workload (W1-W3).
  for (std::size_t i = 0; i < results.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (results[j].name != results[i].name || results[i].name == "W4") continue;
      std::cout << results[i].name << " step " << results[i].threads_label << " / " << results[j].threads_label << ": "
                << fmt(results[i].step.median / results[j].step.median, 3) << "\n";
      break;
    }
  }
  std::cout << "final peak RSS " << fmt(peak_rss_mib(), 1) << " MiB\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"minidl benchmarks: training-step time vs GEMM-only time, gradients, memory, allocations"};
  app.set_version_flag("--version", minidl::version_banner("minidl_bench"));
  app.add_option("--threads", cfg.threads,
                 "thread counts, comma-separated (e.g. 1,2): each workload runs at each, back to back; 0 = the "
                 "programs' default choice (one thread per idle core)")
      ->capture_default_str();
  app.add_flag("--contended", cfg.contended, "keep one core busy (a spinning child process) during the whole run");
  app.add_option("--repeats", cfg.repeats, "timed runs per workload (after warm-up)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--workloads", cfg.workloads, "comma-separated subset of W1,W2,W3,W4")->capture_default_str();
  app.add_option("--data", cfg.data_dir, "directory with the MNIST IDX files")->capture_default_str();
  app.add_flag("--quick", cfg.quick, "fewer steps and at most 3 repeats (smoke run)");
  app.add_flag("--w4-full", cfg.w4_full,
               "W4: also time the book's full-forward numerical gradient once and compare it (~16 s)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(cfg);
  } catch (const std::exception& e) {
    std::cerr << "minidl_bench: error: " << e.what() << "\n";
    return 1;
  }
}
