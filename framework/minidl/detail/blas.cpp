// Only <cblas.h> here: it clashes with xtensor-blas's own CBLAS declarations.
//
// OpenBLAS is not linked: it is loaded with dlopen on first use, after minidl has chosen its kernel
// (detail/blas_kernel.hpp), because OpenBLAS reads OPENBLAS_CORETYPE once, in the constructor that
// runs when it loads, before any code of a program that links it could set the variable.
#include "minidl/detail/blas.hpp"

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sstream>
#include <thread>

#include <cblas.h>

#include "minidl/detail/blas_kernel.hpp"
#include "minidl/detail/buffer_pool.hpp"
#include "minidl/detail/parallel.hpp"

#ifndef MINIDL_OPENBLAS_LIBRARY
#define MINIDL_OPENBLAS_LIBRARY "libopenblas.so"
#endif

namespace minidl {
namespace blas {

namespace {
CBLAS_TRANSPOSE flag(bool transpose) { return transpose ? CblasTrans : CblasNoTrans; }

// The run-time library's soname (Debian's libopenblas0 package), then the file the build found.
constexpr const char* kOpenBlasSoname = "libopenblas.so.0";

// The OpenBLAS entry points minidl calls, resolved once from the loaded library.
struct OpenBlas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&cblas_dgemm) dgemm = nullptr;
  decltype(&openblas_get_config) get_config = nullptr;
  decltype(&openblas_get_corename) get_corename = nullptr;
  decltype(&openblas_set_num_threads) set_num_threads = nullptr;
  decltype(&openblas_get_num_threads) get_num_threads = nullptr;
  void* handle = nullptr;  // for symbol(): OpenBLAS's LAPACK routines
  KernelInfo kernel;
};

// Sets an environment variable for the duration of the load only, so that child processes and later
// getenv calls see the caller's environment unchanged.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (!value.empty()) set_ = setenv(name, value.c_str(), 1) == 0;
  }
  ~ScopedEnv() {
    if (set_) unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool set_ = false;
};

template <typename F>
void resolve(void* handle, const char* library, const char* symbol, F& out) {
  void* p = dlsym(handle, symbol);
  if (!p) {
    throw std::runtime_error(std::string("minidl: the BLAS library ") + library + " has no symbol " + symbol +
                             ": minidl needs OpenBLAS (apt-get install libopenblas0)");
  }
  out = reinterpret_cast<F>(p);
}

OpenBlas load_openblas() {
  OpenBlas lib;
  const char* library = kOpenBlasSoname;
  // A program (or another library) that links OpenBLAS itself has loaded it already, with whatever
  // kernel it chose then; minidl uses that copy and says so.
  void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
  if (handle) {
    lib.kernel.reason = "OpenBLAS was loaded before minidl used it: its choice at load time";
  } else {
    const detail::KernelPlan plan = detail::plan_kernel(detail::cpu_features(), std::getenv("OPENBLAS_CORETYPE"),
                                                        std::getenv("MINIDL_BLAS_KERNEL"));
    lib.kernel.reason = plan.reason;
    const ScopedEnv coretype("OPENBLAS_CORETYPE", plan.coretype);
    // OpenBLAS starts its worker threads when it loads, and an idle worker keeps polling with
    // sched_yield (measured: 10 % of a core through a single-threaded run). minidl never uses them
    // (set_threads splits products itself), so it loads OpenBLAS single-threaded unless the user
    // asked for a count through one of the variables OpenBLAS reads.
    const bool user_count = std::getenv("OPENBLAS_NUM_THREADS") || std::getenv("GOTO_NUM_THREADS") ||
                            std::getenv("OMP_NUM_THREADS");
    const ScopedEnv one_thread("OPENBLAS_NUM_THREADS", user_count ? std::string() : std::string("1"));
    handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const std::string first_error = dlerror();
      library = MINIDL_OPENBLAS_LIBRARY;
      handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        throw std::runtime_error(std::string("minidl: cannot load OpenBLAS: ") + first_error + "; " + dlerror() +
                                 " (apt-get install libopenblas0)");
      }
    }
    lib.kernel.requested = plan.coretype;
  }
  lib.handle = handle;
  resolve(handle, library, "cblas_sgemm", lib.sgemm);
  resolve(handle, library, "cblas_dgemm", lib.dgemm);
  resolve(handle, library, "openblas_get_config", lib.get_config);
  resolve(handle, library, "openblas_get_corename", lib.get_corename);
  resolve(handle, library, "openblas_set_num_threads", lib.set_num_threads);
  resolve(handle, library, "openblas_get_num_threads", lib.get_num_threads);
  lib.kernel.name = lib.get_corename();
  if (!lib.kernel.requested.empty() && !detail::same_kernel_name(lib.kernel.requested, lib.kernel.name)) {
    lib.kernel.reason += " (asked for " + lib.kernel.requested + ", OpenBLAS runs " + lib.kernel.name + ")";
  }
  return lib;
}

// Loaded on first use, once per process (a function-local static: thread-safe).
const OpenBlas& openblas() {
  static const OpenBlas lib = load_openblas();
  return lib;
}

}  // namespace

std::string KernelInfo::label() const { return name + " (" + reason + ")"; }

const KernelInfo& kernel() { return openblas().kernel; }

void* symbol(const char* name) { return dlsym(openblas().handle, name); }

namespace {

// One product straight through OpenBLAS, on the calling thread's OpenBLAS.
void call_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
               std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  openblas().sgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
                   static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta,
                   c, static_cast<blasint>(ldc));
}

void call_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
               std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  openblas().dgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
                   static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta,
                   c, static_cast<blasint>(ldc));
}

// Below this many multiply-adds (about 40 µs on one AVX-512 core) waking a second thread costs
// more than it saves.
constexpr std::size_t kSplitMacs = std::size_t(1) << 21;
// Every part keeps at least this many multiply-adds, so each is still worth a thread.
constexpr std::size_t kMinPartMacs = std::size_t(1) << 20;
// The smallest block of C a part gets: rows (OpenBLAS's N unroll is at most 8) and columns (a
// multiple of 64 keeps every part on whole SIMD vectors in the kernels' M direction).
constexpr std::size_t kRowBlock = 8, kColBlock = 64;
// The smallest slab of k a part of a depth split gets.
constexpr std::size_t kDepthBlock = 64;
// The largest block of C a part of a cut across C's columns computes in a scratch block of its own
// (see gemm): a quarter of a 1 MiB L2 cache.
constexpr std::size_t kOwnBlockBytes = std::size_t(256) << 10;

// A product split along k: part i multiplies a slab of op(A)'s columns by the matching slab of
// op(B)'s rows. Part 0 accumulates into C (with beta); each other part writes its own scratch block,
// and the blocks are added to C in part order once all are done. Nothing is packed twice, at the
// cost of one pass over C per extra part, so it pays for deep products: k at least as large as
// both sides of C, such as the forward products of W1's and SimpleConvNet's first fully connected
// layers (measured in docs/performance.md, "Measured before (Ice Lake): depth-split products, ...").
template <typename T>
void gemm_split_depth(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                      std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc, std::size_t parts) {
  const std::size_t slabs = k / kDepthBlock;
  PooledArray<T> scratch((parts - 1) * m * n);
  detail::parallel_chunks(parts, [&](std::size_t i) {
    const std::size_t lo = detail::chunk_begin(slabs, parts, i) * kDepthBlock;
    const std::size_t hi = i + 1 == parts ? k : detail::chunk_begin(slabs, parts, i + 1) * kDepthBlock;
    // Columns lo..hi of op(A) (stored rows when A is transposed) and rows lo..hi of op(B).
    const T* a_slab = a + (ta ? lo * lda : lo);
    const T* b_slab = b + (tb ? lo : lo * ldb);
    if (i == 0) {
      call_gemm(ta, tb, m, n, hi - lo, alpha, a_slab, lda, b_slab, ldb, beta, c, ldc);
    } else {
      call_gemm(ta, tb, m, n, hi - lo, alpha, a_slab, lda, b_slab, ldb, T(0), scratch.data() + (i - 1) * m * n, n);
    }
  });
  for (std::size_t i = 1; i < parts; ++i) {
    const T* part = scratch.data() + (i - 1) * m * n;
    for (std::size_t r = 0; r < m; ++r) {
      T* __restrict row = c + r * ldc;
      const T* __restrict add = part + r * n;
      for (std::size_t col = 0; col < n; ++col) row[col] += add[col];
    }
  }
}

}  // namespace

template <typename T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, std::size_t lda,
          const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  const std::size_t threads = static_cast<std::size_t>(detail::parallel_threads());
  const bool split = threads > 1 && !detail::inside_parallel_chunk() && m * n * k >= kSplitMacs;
  // Every way of splitting depends only on the shape and the thread count, so a product is
  // bit-reproducible at a given count. Across counts an element may round differently (the sums
  // are grouped differently, and OpenBLAS picks its kernel, blocked, small-matrix or direct, by the
  // size of each call): within float rounding of Σ|a·b| (tested).
  // C cut into blocks of whole rows or whole columns: the parts for `extent` rows (or columns) in
  // blocks of `block`, each multiplying `other` = (the other side of C) x k; 1 if a cut does not pay.
  // Every part packs the whole of the operand it does not cut.
  auto block_parts = [&](std::size_t extent, std::size_t block, std::size_t other) {
    std::size_t parts = split ? std::min(threads, extent / block) : 1;
    // The smallest part has extent / block / parts (rounded down) blocks.
    while (parts > 1 && (extent / block / parts) * block * other <= kMinPartMacs) --parts;
    return parts;
  };
  // A product with Bᵀ whose C is at least as wide as tall (g·Wᵀ, a linear layer's input gradient)
  // is cut across C's columns, that is across B's stored rows, even when it is deep: each thread
  // then reads only its own rows of W, the rows its share of the optimizer's update writes, where
  // a cut along k would read every row of W on every core (W2's layer 2, docs/performance.md).
  const bool across_b_rows = tb && !ta && n >= m && block_parts(n, kColBlock, m * k) > 1;
  if (split && k >= std::max(m, n) && !across_b_rows) {
    std::size_t parts = std::min(threads, k / kDepthBlock);
    while (parts > 1 && (k / kDepthBlock / parts) * kDepthBlock * m * n <= kMinPartMacs) --parts;
    if (parts > 1) {
      gemm_split_depth(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, parts);
      return;
    }
  }
  // Otherwise the cut goes across the longer side of C, so that the smaller operand is the one
  // packed twice.
  const bool by_rows = !across_b_rows && m >= n;
  const std::size_t extent = by_rows ? m : n, block = by_rows ? kRowBlock : kColBlock;
  const std::size_t blocks = extent / block;
  const std::size_t parts = block_parts(extent, block, (by_rows ? n : m) * k);
  if (parts <= 1) {
    call_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const auto part_begin = [&](std::size_t i) {
    return i == parts ? extent : detail::chunk_begin(blocks, parts, i) * block;
  };
  if (by_rows) {
    detail::parallel_chunks(parts, [&](std::size_t i) {
      const std::size_t lo = part_begin(i), hi = part_begin(i + 1);
      // Rows lo..hi of op(A): stored rows when A is not transposed, stored columns when it is.
      call_gemm(ta, tb, hi - lo, n, k, alpha, a + (ta ? lo : lo * lda), lda, b, ldb, beta, c + lo * ldc, ldc);
    });
    return;
  }
  // Columns lo..hi of op(B) (stored rows when B is transposed, stored columns when it is not).
  // Parts that write side by side in C's rows run slower on two cores than apart: each row's line
  // at a part's edge is taken back and forth between the cores while both compute (15 % on W2's
  // input gradient 128x512x512, docs/performance.md). So every part but the first computes its
  // block in a scratch block of its own and then copies it into C, when that block is small enough
  // to stay in cache for the copy; a larger one (SimpleConvNet's 100x4320 input gradient) costs
  // more in the copy than the edges do. The kernel call is the same with another leading
  // dimension, so the values are the same bit for bit; with beta != 0 the scratch block starts as
  // a copy of C's.
  const bool own_blocks = m * (part_begin(2) - part_begin(1)) * sizeof(T) <= kOwnBlockBytes;
  PooledArray<T> scratch(own_blocks ? m * (n - part_begin(1)) : 0);
  detail::parallel_chunks(parts, [&](std::size_t i) {
    const std::size_t lo = part_begin(i), hi = part_begin(i + 1), width = hi - lo;
    const T* b_part = b + (tb ? lo * ldb : lo);
    if (i == 0 || !own_blocks) {
      call_gemm(ta, tb, m, width, k, alpha, a, lda, b_part, ldb, beta, c + lo, ldc);
      return;
    }
    T* own = scratch.data() + m * (lo - part_begin(1));
    if (beta != T(0)) {
      for (std::size_t r = 0; r < m; ++r) std::copy(c + r * ldc + lo, c + r * ldc + hi, own + r * width);
    }
    call_gemm(ta, tb, m, width, k, alpha, a, lda, b_part, ldb, beta, own, width);
    for (std::size_t r = 0; r < m; ++r) std::copy(own + r * width, own + (r + 1) * width, c + r * ldc + lo);
  });
}

template void gemm<float>(bool, bool, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                          const float*, std::size_t, float, float*, std::size_t);
template void gemm<double>(bool, bool, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                           const double*, std::size_t, double, double*, std::size_t);

std::string config() { return openblas().get_config(); }
void set_openblas_threads(int threads) { openblas().set_num_threads(threads); }
void set_threads(int threads) {
  // OpenBLAS stays on one thread: minidl splits large products itself (gemm above), so no OpenBLAS
  // worker ever spins waiting for a core another program holds.
  set_openblas_threads(1);
  detail::set_parallel_threads(threads);
}
int threads() { return detail::parallel_threads(); }
int openblas_threads() { return openblas().get_num_threads(); }

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

namespace {

// Total and idle jiffies of all CPUs, from the first line of /proc/stat; false if unreadable.
bool cpu_times(unsigned long long& total, unsigned long long& idle) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  if (!(in >> cpu) || cpu != "cpu") return false;
  unsigned long long v[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // user nice system idle iowait irq softirq steal
  for (auto& x : v) {
    if (!(in >> x)) return false;
  }
  total = 0;
  for (auto x : v) total += x;
  idle = v[3] + v[4];
  return true;
}

// CPU jiffies this process has used (all its threads).
unsigned long long own_time() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  // Fields after the parenthesised command name (which may hold spaces): state is field 3, utime
  // and stime are fields 14 and 15.
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int f = 3; f <= 15 && rest >> field; ++f) {
    if (f == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (f == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return utime + stime;
}

}  // namespace

int idle_cores(int sample_ms) {
  const int cores = available_cores();
  unsigned long long t0 = 0, i0 = 0, t1 = 0, i1 = 0;
  const unsigned long long own0 = own_time();
  if (!cpu_times(t0, i0)) return cores;
  std::this_thread::sleep_for(std::chrono::milliseconds(std::max(sample_ms, 10)));
  if (!cpu_times(t1, i1) || t1 <= t0) return cores;
  // Time this process used counts as free: it is our own threads (or OpenBLAS's, spinning down), not
  // competition. /proc/stat counts every CPU of the machine; scale to the cores we may use.
  const unsigned long long own = own_time() - own0;
  const double idle_fraction =
      std::min(1.0, static_cast<double>(i1 - i0 + own) / static_cast<double>(t1 - t0));
  return std::clamp(static_cast<int>(idle_fraction * cores + 0.5), 0, cores);
}

int auto_threads() { return std::max(1, idle_cores()); }

std::string oversubscription_warning(int threads) {
  if (threads <= 1) return "";
  const int idle = idle_cores();
  if (threads <= idle) return "";
  std::ostringstream out;
  out << "note: " << threads << " threads but only " << idle << " of " << available_cores()
      << " cores are idle: the work split across them waits for the busy core, so --threads " << std::max(1, idle)
      << " may well be faster";
  return out.str();
}

std::string ThreadChoice::label() const {
  return std::to_string(threads) + " BLAS thread(s)" + (automatic ? " (one per idle core)" : "");
}

ThreadChoice apply_threads(int requested) {
  ThreadChoice choice;
  choice.automatic = requested <= 0;
  choice.threads = choice.automatic ? auto_threads() : requested;
  if (!choice.automatic) choice.note = oversubscription_warning(choice.threads);
  set_threads(choice.threads);
  return choice;
}

}  // namespace blas
}  // namespace minidl
