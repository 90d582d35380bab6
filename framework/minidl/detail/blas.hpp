#pragma once
// The raw BLAS calls. Kept apart because <cblas.h> and xtensor-blas cannot share a translation unit,
// and so that exactly one file knows which BLAS runs.

#include <cstddef>
#include <string>

namespace minidl {
namespace blas {

/// C = alpha * op(A) * op(B) + beta * C on row-major matrices, where op(X) is X or X^T by the
/// transpose flags: op(A) is (M,K), op(B) is (K,N), C is (M,N). lda/ldb/ldc are row strides of the
/// matrices as stored. Transposes are BLAS flags, never materialised copies. With set_threads(n),
/// n > 1, a product of at least 2^21 multiply-adds is cut into blocks of rows (or columns) of C that
/// run on minidl's threads (detail/parallel.hpp), each a single-threaded OpenBLAS call over the
/// whole K. Bit-reproducible at a given thread count; across counts an element may differ by float
/// rounding (OpenBLAS chooses its kernel by the size of each call).
template <typename T>
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

/// The OpenBLAS kernel in use and how it was chosen (docs/performance.md, "Kernel choice").
struct KernelInfo {
  std::string name;       ///< openblas_get_corename(): "SkylakeX", "Haswell", ...
  std::string requested;  ///< the OPENBLAS_CORETYPE minidl set while loading OpenBLAS, "" if none
  std::string reason;     ///< how it was chosen: "AVX-512 in CPU and OS: chosen by minidl", ...
  /// "SkylakeX (AVX-512 in CPU and OS: chosen by minidl)", for a program's first line.
  std::string label() const;
};

/// Loads OpenBLAS if it is not loaded yet and reports its kernel. OpenBLAS is loaded on first use
/// (this, gemm, config or the thread functions), after choosing the fastest kernel the CPU and the
/// OS support: a user-set OPENBLAS_CORETYPE always wins, and MINIDL_BLAS_KERNEL=openblas leaves the
/// choice to OpenBLAS. The variable is set only while OpenBLAS loads; programs call this first,
/// before starting threads, since setenv must not race with getenv in other threads. Throws
/// std::runtime_error when OpenBLAS cannot be loaded and std::invalid_argument for a bad
/// MINIDL_BLAS_KERNEL.
const KernelInfo& kernel();

/// The address of `name` in the loaded OpenBLAS (loading it first, as kernel() does), or nullptr
/// when it has no such symbol. OpenBLAS exports LAPACK too ("dsyevr_"): detail/lapack.cpp finds its
/// routines here instead of linking a second library.
void* symbol(const char* name);

/// OpenBLAS's build description (names the kernel, e.g. "OpenBLAS 0.3.21 ... Cooperlake").
std::string config();

/// Sets OpenBLAS's own thread count only. minidl keeps it at 1 (set_threads); this is for tools
/// that compare against OpenBLAS's threading.
void set_openblas_threads(int threads);

/// The number of threads OpenBLAS itself would use for one call (1 under set_threads).
int openblas_threads();

/// Sets the number of threads minidl computes on: large matrix products (gemm) and its own loops
/// (detail/parallel.hpp) are split over them, while OpenBLAS itself runs single-threaded inside
/// each part. Idle workers poll for 50 µs and then sleep, and a thread that falls behind loses the
/// parts it has not started to the others, so a busy core delays the part it holds, not every
/// product (docs/performance.md).
void set_threads(int threads);

/// The number of cores this process may run on (its CPU affinity; at least 1): the default thread
/// count of the training programs.
int available_cores();

/// How many of the available cores are idle right now: samples the system's CPU counters
/// (/proc/stat) over `sample_ms` milliseconds and rounds. Returns available_cores() where the
/// counters cannot be read.
int idle_cores(int sample_ms = 100);

/// The default thread count of the training programs: one per idle core, at least 1, so that the
/// work is never split onto a core another program keeps busy (each split waits for its slowest
/// part). On an idle 2-core machine this is 2.
int auto_threads();

/// What a program's thread option resolved to (see apply_threads).
struct ThreadChoice {
  int threads = 1;         ///< threads now in use (set_threads)
  bool automatic = false;  ///< chosen by auto_threads() rather than given
  std::string note;        ///< oversubscription_warning for a given count, else ""
  /// "2 BLAS thread(s) (one per idle core)", for a program's start-up line.
  std::string label() const;
};

/// Applies a --threads value: 0 picks auto_threads(), any other count is used as given (and gets
/// oversubscription_warning as its note). Sets OpenBLAS accordingly and returns the choice.
ThreadChoice apply_threads(int requested);

/// A warning to print when `threads` BLAS threads would share the cores with other busy work, else
/// "". The training programs show it at start-up when the user asked for more threads than idle cores.
std::string oversubscription_warning(int threads);

/// The number of threads minidl computes on (set_threads; 1 by default).
int threads();

}  // namespace blas
}  // namespace minidl
