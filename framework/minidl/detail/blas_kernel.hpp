#pragma once
// Which OpenBLAS kernel minidl asks for. OpenBLAS (a DYNAMIC_ARCH build, as Debian's) picks its
// kernel once, when it loads, from the CPU model it recognises or from the environment variable
// OPENBLAS_CORETYPE. 0.3.21 does not recognise AVX-512 AMD EPYCs and runs its Haswell (AVX2)
// kernels there, 1.3-1.7x slower on minidl's GEMMs than its SkylakeX (AVX-512) ones; and forcing
// SkylakeX where AVX-512 is missing kills the process with SIGILL. So the choice is made here from
// what the CPU and the OS support, before OpenBLAS loads (detail/blas.cpp loads it on first use).

#include <string>

#include "minidl/detail/cpu_features.hpp"

namespace minidl {
namespace detail {

/// What to do before loading OpenBLAS.
struct KernelPlan {
  std::string coretype;  ///< value for OPENBLAS_CORETYPE while OpenBLAS loads; "" leaves the choice to OpenBLAS
  std::string reason;    ///< why, for the programs' first line: "AVX-512 in CPU and OS: chosen by minidl", ...
};

/// The kernel choice, as a pure function of its inputs so it can be tested on any machine:
/// - `user_coretype` (the caller's OPENBLAS_CORETYPE, nullptr if unset): when set, it always wins;
///   where it names a kernel without AVX-512 on a machine that could run one, the reason says so;
/// - `policy` (MINIDL_BLAS_KERNEL, nullptr if unset): "auto" or unset lets minidl choose, "openblas"
///   opts out (OpenBLAS's own choice); anything else throws std::invalid_argument naming the variable;
/// - otherwise, with AVX-512 f/dq/bw/vl in the CPU and the ZMM state enabled by the OS, "SkylakeX"
///   ("Cooperlake" when the CPU also has avx512_bf16, which is OpenBLAS's own name for such CPUs and
///   the same single- and double-precision GEMM kernels); without them, OpenBLAS's own choice,
///   which never uses an instruction the machine lacks.
KernelPlan plan_kernel(const CpuFeatures& cpu, const char* user_coretype, const char* policy);

/// Whether two OpenBLAS core names are the same kernel: OpenBLAS reads OPENBLAS_CORETYPE in any
/// case ("skylakex" is SkylakeX).
bool same_kernel_name(const std::string& a, const std::string& b);

}  // namespace detail
}  // namespace minidl
