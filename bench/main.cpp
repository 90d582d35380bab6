// minidl_bench: the speed and memory figures of docs/performance.md.
//
//   build/minidl_bench                       # all workloads, 1 thread
//   build/minidl_bench --workloads W1,W2 --threads 2 --repeats 7
//   build/minidl_bench --workloads W1,W3 --threads 1,2      # each workload at 1 and 2 threads, interleaved
//   build/minidl_bench --workloads W1,W3 --threads 1,0 --contended   # 0 = the programs' default choice,
//                                                                    # with one core kept busy
//   build/minidl_bench --quick               # a fast smoke run (fewer steps and repeats)
//   build/minidl_bench --workloads W4 --w4-full   # also time the book's full-forward numerical gradient
//
// W1-W3 are measured in rounds (bench/rounds.hpp): each round times one step run and one GEMM-only
// run at every thread count in turn, so ratios are taken between runs seconds apart. Prints one JSON
// line per workload and thread count as the workload finishes, then a table and the step-time
// ratios between thread counts, each with the GEMM-only runs' own ratio. Before and after each of W1-W3 it probes how long a cache line
// takes between two threads (bench/core_latency.hpp), which on a virtual machine moves with where
// the host runs the vCPUs and governs the 2-thread figures. Run from the repository root (or pass
// --data) so that data/mnist is found.

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
#include <minidl/models/mlp.hpp>
#include <minidl/models/simple_conv_net.hpp>
#include <minidl/models/two_layer_net.hpp>

#include "alloc_counter.hpp"
#include "core_latency.hpp"
#include "gemm_baseline.hpp"
#include "rounds.hpp"
#include "step_counters.hpp"
#include "timing.hpp"

using namespace minidl;

namespace {

struct Config {
  std::string threads = "1";  // comma-separated thread counts, interleaved in rounds; 0 = automatic
  bool contended = false;     // keep one core busy with a spinning child process
  std::size_t repeats = 5;    // W1-W3: rounds; W4: timed runs
  std::string workloads = "W1,W2,W3,W4";
  std::string data_dir = "data/mnist";
  bool quick = false;
  bool w4_full = false;  // also time numerical_gradient_full_forward once (~16 s)
};

/// One workload's results; fields left at 0 are not printed.
struct Result {
  std::string name, what, dtype = "float32";
  std::size_t batch = 0, steps_per_run = 0;
  bench::Stats step;            // seconds per step (W4: per gradient), over the rounds
  bench::Stats gemm;            // seconds per step's GEMMs alone, over the rounds
  bench::Stats step_over_gemm;  // per round: step / GEMM-only of that round
  bench::Stats over_first;      // per round: step / the first thread setting's step (runs 0 for the first)
  bench::Stats gemm_over_first;  // per round: GEMM-only / the first thread setting's GEMM-only (likewise)
  std::string first_label;      // the first thread setting's label, what over_first divides by
  double gemm_gflops = 0;       // GFLOP/s of the GEMM-only run (median)
  double allocs_per_step = 0, alloc_kib_per_step = 0;
  double large_allocs_per_step = 0;      // system allocations of >= 4 KiB (data buffers outside the cache)
  double tensor_buffers_per_step = 0;    // tensor buffers a step takes from the cache...
  double tensor_system_allocs_per_step = 0;  // ...and how many of them the cache could not serve
  double page_faults_per_step = 0;       // minor page faults (fresh memory touched) per step
  double batch_s_per_step = 0;           // time in DataLoader::batch per timed step (mean over all of them)
  double step_without_batch_over_gemm = 0;  // (step median - batch_s_per_step) / GEMM-only median
  double peak_rss_mib = 0;
  bench::Stats backprop;        // W4 only: the backprop gradient
  bench::Stats full_forward;    // W4 with --w4-full: the book's full-forward numerical gradient
  double max_diff_full = -1;    // W4 with --w4-full: max |incremental − full-forward|
  std::string threads_label;    // "t1", "t2", "auto:1": the thread setting of the run
  // Core-to-core round trip (bench/core_latency.hpp) just before and just after the workload's
  // rounds, in ns; negative when not measured.
  double core_round_trip_before_ns = -1, core_round_trip_after_ns = -1;
};

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
      << ",\"ratio_step_over_gemm\":" << r.step_over_gemm.median
      << ",\"ratio_step_over_gemm_rounds\":" << stats_json(r.step_over_gemm, 1)
      << ",\"ratio_of_medians_step_over_gemm\":" << r.step.median / r.gemm.median;
    if (r.over_first.runs > 0)
      o << ",\"ratio_over_first\":" << stats_json(r.over_first, 1) << ",\"first_threads\":" << json_string(r.first_label)
        << ",\"gemm_ratio_over_first\":" << stats_json(r.gemm_over_first, 1);
    o << ",\"allocs_per_step\":" << r.allocs_per_step
      << ",\"alloc_kib_per_step\":" << r.alloc_kib_per_step << ",\"large_allocs_per_step\":" << r.large_allocs_per_step
      << ",\"tensor_buffers_per_step\":" << r.tensor_buffers_per_step
      << ",\"tensor_system_allocs_per_step\":" << r.tensor_system_allocs_per_step
      << ",\"page_faults_per_step\":" << r.page_faults_per_step
      << ",\"batch_ms_per_step\":" << r.batch_s_per_step * 1e3
      << ",\"ratio_step_without_batch_over_gemm\":" << r.step_without_batch_over_gemm;
  }
  if (r.peak_rss_mib > 0) o << ",\"peak_rss_mib\":" << r.peak_rss_mib;
  if (r.core_round_trip_before_ns > 0 && r.core_round_trip_after_ns > 0)
    o << ",\"core_round_trip_ns\":{\"before\":" << r.core_round_trip_before_ns
      << ",\"after\":" << r.core_round_trip_after_ns << "}";
  o << "}";
  std::cout << o.str() << std::endl;
}

/// What one thread setting of a workload trains: its own loader, model and optimizer, alive across
/// all rounds. Every setting starts from the same seeds, so in any given round each one processes
/// the same batch sequence from the same weights (up to float rounding across thread counts):
/// the runs a ratio compares did the same work.
template <typename Model, typename Opt>
class Trainee {
 public:
  /// Batches from `data` (which must outlive this) with `lo`; Model(model_args..., generator) with
  /// generator seed 42; Opt(parameters, lr).
  template <typename... ModelArgs>
  Trainee(const Dataset<float>& data, const LoaderOptions& lo, double lr, const ModelArgs&... model_args)
      : loader_(data, lo), gen_(42), model_(model_args..., gen_), opt_(model_.parameters(), lr) {}

  /// One training step: the next batch (a new epoch after the last), forward, loss, backward, update.
  /// The batch call is timed on its own (bench::add_batch_time).
  void step() {
    if (next_ == loader_.num_batches()) {
      loader_.start_epoch();
      next_ = 0;
    }
    const auto fetch_start = std::chrono::steady_clock::now();
    const Batch<float>& batch = loader_.batch(next_++);
    bench::add_batch_time(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - fetch_start).count()));
    opt_.zero_grad();
    Variable<float> loss = softmax_cross_entropy(model_(batch.input), batch.labels);
    loss.backward();
    opt_.step();
  }

  /// Steps in one epoch.
  std::size_t steps_per_epoch() const { return loader_.num_batches(); }

 private:
  DataLoader<float> loader_;
  std::size_t next_ = loader_.num_batches();  // forces start_epoch() on the first step
  Generator gen_;
  Model model_;
  Opt opt_;
};

/// A thread setting as resolved once at start-up, and the label the table shows for it.
struct ThreadSetting {
  blas::ThreadChoice choice;
  std::string label;  // "t2", "auto:1"
};

/// Measures one workload (W1-W3) at every thread setting in interleaved rounds
/// (bench::measure_in_rounds) and returns one Result per setting, filled from `base` (name, what,
/// batch). `make_trainee()` returns a fresh std::unique_ptr<Trainee<...>>, one per setting; `shapes`
/// are the products of one step. A run is `steps` steps (0: one epoch), after `warmup` untimed steps.
template <typename MakeTrainee>
std::vector<Result> measure_workload(const Result& base, const std::vector<ThreadSetting>& settings,
                                     MakeTrainee&& make_trainee, std::vector<bench::GemmShape> shapes,
                                     std::size_t steps, std::size_t warmup, std::size_t rounds) {
  std::vector<decltype(make_trainee())> trainees;
  // One GEMM runner for all settings: its products are the same at every thread count.
  bench::GemmRunner gemms(std::move(shapes));
  std::vector<bench::Contender> contenders;
  for (const ThreadSetting& s : settings) {
    trainees.push_back(make_trainee());
    auto* trainee = trainees.back().get();
    // set_threads, not apply_threads: the setting was resolved once (an automatic choice must not
    // change between rounds, and resolving samples the idle cores for 100 ms).
    contenders.push_back({[n = s.choice.threads] { blas::set_threads(n); }, [trainee] { trainee->step(); },
                          [&gemms] { gemms.run(); }});
  }
  const std::size_t per_run = steps == 0 ? trainees.front()->steps_per_epoch() : steps;
  const std::vector<bench::RoundTimes> times = bench::measure_in_rounds(contenders, per_run, warmup, rounds, bench::read_counters);
  std::vector<Result> results;
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const bench::RoundTimes& t = times[i];
    Result r = base;
    r.threads_label = settings[i].label;
    r.steps_per_run = per_run;
    r.step = bench::summarize(t.step_s);
    r.gemm = bench::summarize(t.gemm_s);
    r.step_over_gemm = bench::summarize(bench::per_round_ratios(t.step_s, t.gemm_s));
    if (i > 0) {
      r.over_first = bench::summarize(bench::per_round_ratios(t.step_s, times.front().step_s));
      r.gemm_over_first = bench::summarize(bench::per_round_ratios(t.gemm_s, times.front().gemm_s));
      r.first_label = settings.front().label;
    }
    r.gemm_gflops = gemms.flops() / r.gemm.median / 1e9;
    const bench::StepCounters& c = t.during_steps;
    const double total_steps = static_cast<double>(per_run * rounds);
    r.allocs_per_step = static_cast<double>(c.allocs) / total_steps;
    r.alloc_kib_per_step = static_cast<double>(c.alloc_bytes) / 1024.0 / total_steps;
    r.large_allocs_per_step = static_cast<double>(c.large_allocs) / total_steps;
    r.tensor_buffers_per_step = static_cast<double>(c.tensor_reuses + c.tensor_system_allocs) / total_steps;
    r.tensor_system_allocs_per_step = static_cast<double>(c.tensor_system_allocs) / total_steps;
    r.page_faults_per_step = static_cast<double>(c.page_faults) / total_steps;
    r.batch_s_per_step = static_cast<double>(c.batch_ns) * 1e-9 / total_steps;
    r.step_without_batch_over_gemm = (r.step.median - r.batch_s_per_step) / r.gemm.median;
    results.push_back(r);
  }
  return results;
}

std::vector<Result> run_mlp(const std::string& name, const MnistData& mnist, const std::vector<std::size_t>& sizes,
                            std::size_t batch, std::size_t steps, std::size_t warmup, std::size_t rounds,
                            const std::vector<ThreadSetting>& settings) {
  Result base;
  base.name = name;
  std::ostringstream what;
  what << "MLP ";
  for (std::size_t i = 0; i < sizes.size(); ++i) what << (i ? "-" : "") << sizes[i];
  what << " ReLU, SGD lr 0.1";
  base.what = what.str();
  base.batch = batch;
  const ByteImageDataset<float> train = mnist.dataset<float>(Split::train);
  LoaderOptions lo;
  lo.batch_size = batch;
  lo.drop_last = true;  // every timed step has a full batch
  lo.seed = 1;
  auto make = [&] { return std::make_unique<Trainee<models::MLP<float>, SGD<float>>>(train, lo, 0.1, sizes); };
  return measure_workload(base, settings, make, bench::mlp_step_gemms(sizes, batch), steps, warmup, rounds);
}

std::vector<Result> run_conv(const MnistData& mnist, std::size_t steps, std::size_t warmup, std::size_t rounds,
                             const std::vector<ThreadSetting>& settings) {
  Result base;
  base.name = "W3";
  base.what = "SimpleConvNet 30x5x5-100-10, Adam lr 0.001";
  base.batch = 100;
  ImageFormat format;
  format.flatten = false;  // (1,28,28) images
  const ByteImageDataset<float> train(mnist.train, format);
  LoaderOptions lo;
  lo.batch_size = base.batch;
  lo.drop_last = true;
  lo.seed = 1;
  auto make = [&] { return std::make_unique<Trainee<models::SimpleConvNet<float>, Adam<float>>>(train, lo, 0.001); };
  return measure_workload(base, settings, make, bench::simple_conv_step_gemms(base.batch), steps, warmup, rounds);
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
  const Variable<double>& x = batch.input;
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
            << std::setw(12) << "sys tensors" << std::setw(9) << "faults" << std::setw(10) << "batch ms" << std::setw(10)
            << "ratio-b" << "\n";
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
              << std::setw(11) << fmt(r.gemm.median * 1e3) << std::setw(8) << fmt(r.step_over_gemm.median, 2)
              << "x" << std::setw(11) << fmt(r.allocs_per_step, 1) << std::setw(11) << fmt(r.alloc_kib_per_step, 0)
              << std::setw(10) << fmt(r.large_allocs_per_step, 2) << std::setw(14) << fmt(r.tensor_buffers_per_step, 1)
              << std::setw(12) << fmt(r.tensor_system_allocs_per_step, 2) << std::setw(9)
              << fmt(r.page_faults_per_step, 1) << std::setw(10) << fmt(r.batch_s_per_step * 1e3, 4) << std::setw(9)
              << fmt(r.step_without_batch_over_gemm, 2) << "x\n";
    if (r.peak_rss_mib > 0) std::cout << "    peak RSS after " << r.name << ": " << fmt(r.peak_rss_mib, 1) << " MiB\n";
  }
  std::cout << "(threads: tN = N threads as given, auto:N = the programs' default choice, N; step, GEMM: over the rounds;\n"
            << " ratio: median over the rounds of that round's step / GEMM-only; allocs/st and KiB/st:\n"
            << " every malloc/calloc/realloc/memalign/posix_memalign/aligned_alloc call of a step; >=4KiB: those of at\n"
            << " least 4 KiB; tensors/st: tensor buffers a step takes from the buffer cache; sys tensors: how many of\n"
            << " those the cache had to get from the system allocator; faults: minor page faults per step; batch ms:\n"
            << " time in DataLoader::batch per step, mean over the timed steps; ratio-b: (step - batch ms) / GEMM-only)\n";
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

  // Each thread count is resolved once; the workloads then switch between them in every round.
  std::vector<ThreadSetting> settings;
  for (int requested : thread_list) {
    const blas::ThreadChoice choice = blas::apply_threads(requested);
    settings.push_back({choice, (choice.automatic ? "auto:" : "t") + std::to_string(choice.threads)});
  }
  std::cout << "  thread settings:";
  for (const ThreadSetting& s : settings) std::cout << " " << s.label;
  std::cout << "\n";
  for (const ThreadSetting& s : settings)
    if (!s.choice.note.empty()) std::cout << "  " << s.choice.note << "\n";

  std::vector<Result> results;
  // Runs one workload (W1-W3) between two probes of the core-to-core round trip.
  auto probed = [](auto&& run) {
    const double before = bench::core_round_trip_ns();
    std::vector<Result> per_setting = run();
    const double after = bench::core_round_trip_ns();
    for (Result& r : per_setting) {
      r.core_round_trip_before_ns = before;
      r.core_round_trip_after_ns = after;
    }
    if (before > 0 && after > 0)
      std::cout << "  " << per_setting.front().name << ": core-to-core round trip " << fmt(before, 0) << " ns before, "
                << fmt(after, 0) << " ns after\n";
    return per_setting;
  };
  // Results of one workload, one per setting in order: printed as JSON lines and kept for the table.
  auto report = [&](std::vector<Result> per_setting) {
    for (std::size_t i = 0; i < per_setting.size(); ++i) {
      const blas::ThreadChoice& c = settings[i].choice;
      print_json(per_setting[i], RunSetup{c.threads, c.automatic, cfg.contended});
      results.push_back(per_setting[i]);
    }
  };
  // W1: one run = one epoch of 600 steps (quick: 100 steps).
  if (wanted.count("W1")) {
    std::vector<Result> w1 =
        probed([&] { return run_mlp("W1", mnist, {784, 100, 10}, 100, cfg.quick ? 100 : 0, 50, reps, settings); });
    for (Result& r : w1) r.peak_rss_mib = peak_rss_mib();
    report(std::move(w1));
  }
  if (wanted.count("W2"))
    report(probed([&] { return run_mlp("W2", mnist, {784, 512, 512, 10}, 128, cfg.quick ? 30 : 100, 20, reps, settings); }));
  if (wanted.count("W3")) report(probed([&] { return run_conv(mnist, cfg.quick ? 5 : 20, 5, reps, settings); }));
  if (wanted.count("W4")) {  // not interleaved: each thread setting in turn
    std::vector<Result> w4;
    for (const ThreadSetting& s : settings) {
      blas::set_threads(s.choice.threads);
      w4.push_back(run_gradients(mnist, cfg.quick ? 1 : std::min<std::size_t>(reps, 3), cfg.w4_full));
      w4.back().threads_label = s.label;
    }
    report(std::move(w4));
  }
  print_table(results);
  // Step-time ratios against the first thread setting, per workload (W1-W3): median [min, max] over
  // the rounds of the per-round ratio. Next to it the same ratio of the GEMM-only runs: how far the
  // products alone scaled in this run, which is what the machine allowed the step.
  auto stats_str = [](const bench::Stats& s) {
    return fmt(s.median, 3) + " [" + fmt(s.min, 3) + ", " + fmt(s.max, 3) + "]";
  };
  for (const Result& r : results) {
    if (r.over_first.runs == 0) continue;
    std::cout << r.name << " step " << r.threads_label << " / " << r.first_label << ": " << stats_str(r.over_first)
              << "; GEMM-only: " << stats_str(r.gemm_over_first) << " (median [min, max] over " << r.over_first.runs
              << " rounds)\n";
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
                 "thread counts, comma-separated (e.g. 1,2): W1-W3 time every count in each round, W4 each in "
                 "turn; 0 = the programs' default choice (one thread per idle core), resolved once at start-up")
      ->capture_default_str();
  app.add_flag("--contended", cfg.contended, "keep one core busy (a spinning child process) during the whole run");
  app.add_option("--repeats", cfg.repeats,
                 "W1-W3: rounds (each times one step run and one GEMM-only run per thread count); W4: timed runs")
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
