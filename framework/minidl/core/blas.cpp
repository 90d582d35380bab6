// Only <cblas.h> here: it clashes with xtensor-blas's own CBLAS declarations.
#include "minidl/core/blas.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
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

std::string oversubscription_warning(int threads) {
  double load[1] = {0};
  if (threads <= 1 || getloadavg(load, 1) != 1) return "";
  const int cores = available_cores();
  // Load already present beyond what our own threads could leave free: they would wait on a core.
  if (load[0] + threads <= cores + 0.5) return "";
  std::ostringstream out;
  out.precision(2);
  out << "note: load average " << load[0] << " on " << cores << " cores: other work is running, and "
      << threads << " OpenBLAS threads spin while they wait for a core; --threads 1 may well be faster";
  return out.str();
}

}  // namespace blas
}  // namespace minidl
