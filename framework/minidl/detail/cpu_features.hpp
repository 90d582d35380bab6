#pragma once
// What the CPU and the operating system let a program run, read with CPUID and XGETBV. Only the
// facts the BLAS kernel choice needs (detail/blas_kernel.hpp).

namespace minidl {
namespace detail {

/// The AVX-512 facts of this machine. A CPU can list AVX-512 in CPUID while the OS has not enabled
/// saving the ZMM registers (XCR0): the instructions then fault, so both halves are kept.
struct CpuFeatures {
  bool avx512f = false;     ///< CPUID.7.0:EBX[16]
  bool avx512dq = false;    ///< CPUID.7.0:EBX[17]
  bool avx512bw = false;    ///< CPUID.7.0:EBX[30]
  bool avx512vl = false;    ///< CPUID.7.0:EBX[31]
  bool avx512bf16 = false;  ///< CPUID.7.1:EAX[5] (Cooper Lake, Sapphire Rapids, Zen 4)
  bool os_zmm_state = false;  ///< XCR0 has SSE, AVX, opmask, ZMM0-15 high and ZMM16-31 state (bits 1,2,5,6,7)
  bool is_amd = false;      ///< vendor string "AuthenticAMD"

  /// avx512f, dq, bw and vl in CPUID and the ZMM state enabled by the OS: what OpenBLAS's SkylakeX
  /// kernels need.
  bool avx512_usable() const { return avx512f && avx512dq && avx512bw && avx512vl && os_zmm_state; }
};

/// Reads this machine's CPUID and XGETBV (XGETBV only when CPUID says the OS supports it, so it
/// never faults). All false on a non-x86 build.
CpuFeatures cpu_features();

}  // namespace detail
}  // namespace minidl
