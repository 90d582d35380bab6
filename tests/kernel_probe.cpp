// minidl_kernel_probe: computes a few fixed GEMMs through minidl::blas::gemm and prints the kernel
// in use and every result. OpenBLAS picks its kernel once per process, so tests/test_blas_kernel.cpp
// runs this program under different environments (minidl's choice, OpenBLAS's own, a forced
// baseline kernel) and compares the outputs.
//
// Output: "kernel <name>\t<reason>", then per product "<f|d> <rows> <cols>" and one line per element:
// "<value> <bound>", where bound = sum_k |a_ik * b_kj| (the scale of the rounding error).
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include <minidl/detail/blas.hpp>

namespace {

// Reproducible inputs in [-1, 1) without <random> (its distributions differ between libraries).
template <typename T>
std::vector<T> fill(std::size_t n, unsigned seed) {
  std::vector<T> v(n);
  unsigned long long s = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (auto& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<T>(static_cast<double>(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
  }
  return v;
}

// C = op(A)·op(B) for the shapes of a W1 step, printed with its error scale.
template <typename T>
void product(char tag, bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, unsigned seed) {
  const std::vector<T> a = fill<T>(m * k, seed), b = fill<T>(k * n, seed + 7);
  std::vector<T> c(m * n, T(0));
  const std::size_t lda = ta ? m : k, ldb = tb ? k : n;
  minidl::blas::gemm<T>(ta, tb, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(0), c.data(), n);
  std::printf("%c %zu %zu\n", tag, m, n);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double bound = 0;
      for (std::size_t p = 0; p < k; ++p) {
        const double x = ta ? a[p * lda + i] : a[i * lda + p];
        const double y = tb ? b[j * ldb + p] : b[p * ldb + j];
        bound += std::fabs(x * y);
      }
      std::printf("%.17g %.17g\n", static_cast<double>(c[i * n + j]), bound);
    }
  }
}

}  // namespace

int main() {
  try {
    const minidl::blas::KernelInfo& kernel = minidl::blas::kernel();
    std::printf("kernel %s\t%s\n", kernel.name.c_str(), kernel.reason.c_str());
  } catch (const std::exception& e) {
    std::printf("error %s\n", e.what());
    return 1;
  }
  product<float>('f', false, false, 100, 100, 784, 1);  // forward x·W
  product<float>('f', true, false, 784, 10, 100, 2);    // weight gradient xᵀ·gy
  product<float>('f', false, true, 100, 100, 10, 3);    // input gradient gy·Wᵀ
  product<double>('d', false, false, 100, 50, 784, 4);  // the float64 gradient checks
  return 0;
}
