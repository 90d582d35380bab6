#include "minidl/detail/lapack.hpp"

#include <climits>
#include <stdexcept>
#include <string>

#include "minidl/detail/blas.hpp"

namespace minidl {
namespace lapack {

namespace {
// LAPACK's Fortran interface as gfortran compiles it: every argument by pointer, then one hidden
// length per character argument.
using Dsyevr = void (*)(const char* jobz, const char* range, const char* uplo, const int* n, double* a, const int* lda,
                        const double* vl, const double* vu, const int* il, const int* iu, const double* abstol, int* m,
                        double* w, double* z, const int* ldz, int* isuppz, double* work, const int* lwork, int* iwork,
                        const int* liwork, int* info, std::size_t jobz_len, std::size_t range_len,
                        std::size_t uplo_len);

Dsyevr dsyevr() {
  static const Dsyevr f = reinterpret_cast<Dsyevr>(blas::symbol("dsyevr_"));
  if (!f) throw std::runtime_error("lapack: the loaded OpenBLAS has no dsyevr_ (LAPACK); install Debian's libopenblas0");
  return f;
}
}  // namespace

SymmetricEigen symmetric_eigen(std::vector<double> a, std::size_t n, std::size_t first, std::size_t last) {
  if (n == 0 || a.size() != n * n) {
    throw std::invalid_argument("symmetric_eigen: a holds " + std::to_string(a.size()) + " values, not n*n for n = " +
                                std::to_string(n));
  }
  if (first > last || last >= n) {
    throw std::invalid_argument("symmetric_eigen: ranks " + std::to_string(first) + ".." + std::to_string(last) +
                                " are not a range inside [0, " + std::to_string(n) + ")");
  }
  if (n > static_cast<std::size_t>(INT_MAX / 26)) {
    throw std::invalid_argument("symmetric_eigen: order " + std::to_string(n) + " is too large for LAPACK's int sizes");
  }
  const int order = static_cast<int>(n);
  const int il = static_cast<int>(first) + 1, iu = static_cast<int>(last) + 1;
  const double vl = 0, vu = 0, abstol = 0;  // abstol 0: LAPACK's default accuracy
  const std::size_t count = last - first + 1;
  SymmetricEigen out;
  out.n = n;
  std::vector<double> w(n);
  out.vectors.resize(n * count);
  std::vector<int> isuppz(2 * count);
  int m = 0, info = 0;
  // A workspace query first (lwork = liwork = -1), then the call.
  double work_size = 0;
  int iwork_size = 0;
  const int query = -1;
  dsyevr()("V", "I", "U", &order, a.data(), &order, &vl, &vu, &il, &iu, &abstol, &m, w.data(), out.vectors.data(),
           &order, isuppz.data(), &work_size, &query, &iwork_size, &query, &info, 1, 1, 1);
  if (info != 0) throw std::runtime_error("lapack: dsyevr workspace query failed, info " + std::to_string(info));
  const int lwork = static_cast<int>(work_size) + 1, liwork = iwork_size;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<int> iwork(static_cast<std::size_t>(liwork));
  dsyevr()("V", "I", "U", &order, a.data(), &order, &vl, &vu, &il, &iu, &abstol, &m, w.data(), out.vectors.data(),
           &order, isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1, 1);
  if (info != 0 || static_cast<std::size_t>(m) != count) {
    throw std::runtime_error("lapack: dsyevr failed on a (" + std::to_string(n) + "," + std::to_string(n) +
                             ") matrix: info " + std::to_string(info) + ", " + std::to_string(m) + " of " +
                             std::to_string(count) + " eigenpairs found");
  }
  out.values.assign(w.begin(), w.begin() + m);
  return out;
}

}  // namespace lapack
}  // namespace minidl
