#pragma once
// The raw BLAS calls. Kept apart because <cblas.h> and xtensor-blas cannot share a translation unit,
// and so that exactly one file knows which BLAS runs.

#include <cstddef>
#include <string>

namespace minidl {
namespace blas {

/// C = alpha * op(A) * op(B) + beta * C on row-major matrices, where op(X) is X or X^T by the
/// transpose flags: op(A) is (M,K), op(B) is (K,N), C is (M,N). lda/ldb/ldc are row strides of the
/// matrices as stored. Transposes are BLAS flags, never materialised copies.
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

/// OpenBLAS's build description (names the kernel, e.g. "OpenBLAS 0.3.21 ... Cooperlake").
std::string config();

/// Sets OpenBLAS's thread count only (set_threads sets minidl's own threads too).
void set_openblas_threads(int threads);

/// Sets the number of threads: OpenBLAS's and those minidl splits its own work over
/// (detail/parallel.hpp). On an idle 2-core machine 2 threads made every training
/// workload faster (docs/performance.md); on a busy one 1 thread was, because OpenBLAS threads spin
/// while they wait for a core.
void set_threads(int threads);

/// The number of cores this process may run on (its CPU affinity; at least 1): the default thread
/// count of the training programs.
int available_cores();

/// How many of the available cores are idle right now: samples the system's CPU counters
/// (/proc/stat) over `sample_ms` milliseconds and rounds. Returns available_cores() where the
/// counters cannot be read.
int idle_cores(int sample_ms = 100);

/// The default BLAS thread count of the training programs: one per idle core, at least 1, so that
/// OpenBLAS never competes for a busy core (its threads spin while they wait: measured 9x slower
/// than 1 thread while a build ran on the other core). On an idle 2-core machine this is 2, which
/// made every training workload faster. Thread counts change GEMM rounding, so runs that must be
/// bit-reproducible pass an explicit count instead.
int auto_threads();

/// What a program's thread option resolved to (see apply_threads).
struct ThreadChoice {
  int threads = 1;         ///< OpenBLAS threads now in use
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

/// The number of threads OpenBLAS will use.
int threads();

}  // namespace blas
}  // namespace minidl
