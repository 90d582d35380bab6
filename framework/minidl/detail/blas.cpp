// Only <cblas.h> here: it clashes with xtensor-blas's own CBLAS declarations.
#include "minidl/detail/blas.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sstream>
#include <thread>

#include <cblas.h>

namespace minidl {
namespace blas {

namespace {
CBLAS_TRANSPOSE flag(bool transpose) { return transpose ? CblasTrans : CblasNoTrans; }
}  // namespace

template <>
void gemm<float>(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                 std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

template <>
void gemm<double>(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
                  std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_dgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

std::string config() { return openblas_get_config(); }
void set_threads(int threads) { openblas_set_num_threads(threads); }
int threads() { return openblas_get_num_threads(); }

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

// CPU jiffies this process has used (all its threads, OpenBLAS's spinning workers included).
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
  // Time this process used counts as free: it is our own OpenBLAS workers spinning down, not
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
  out << "note: " << threads << " OpenBLAS threads but only " << idle << " of " << available_cores()
      << " cores are idle: its threads spin while they wait for a core, so --threads " << std::max(1, idle)
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
