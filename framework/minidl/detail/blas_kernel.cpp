#include "minidl/detail/blas_kernel.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

namespace minidl {
namespace detail {

namespace {

// The first missing piece of AVX-512 support, for the reason text.
std::string missing_avx512(const CpuFeatures& cpu) {
  if (!cpu.avx512f) return "the CPU lacks avx512f";
  if (!cpu.avx512dq) return "the CPU lacks avx512dq";
  if (!cpu.avx512bw) return "the CPU lacks avx512bw";
  if (!cpu.avx512vl) return "the CPU lacks avx512vl";
  if (!cpu.os_zmm_state) return "the OS has not enabled the ZMM register state (XCR0)";
  return "";
}

// Whether OpenBLAS core name `name` is one of its AVX-512 kernels.
bool is_avx512_kernel(const std::string& name) {
  return same_kernel_name(name, "SkylakeX") || same_kernel_name(name, "Cooperlake") ||
         same_kernel_name(name, "SapphireRapids");
}

}  // namespace

bool same_kernel_name(const std::string& a, const std::string& b) {
  auto lower = [](unsigned char c) { return std::tolower(c); };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) {
           return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
         });
}

KernelPlan plan_kernel(const CpuFeatures& cpu, const char* user_coretype, const char* policy) {
  const std::string chosen_policy = policy ? policy : "";
  if (!chosen_policy.empty() && chosen_policy != "auto" && chosen_policy != "openblas") {
    throw std::invalid_argument("MINIDL_BLAS_KERNEL='" + chosen_policy +
                                "': expected 'auto' (minidl picks the fastest kernel the CPU and OS support) or "
                                "'openblas' (OpenBLAS's own choice); to force a kernel set OPENBLAS_CORETYPE");
  }
  if (user_coretype && *user_coretype) {
    std::string reason = std::string("OPENBLAS_CORETYPE=") + user_coretype + " set by the user";
    // A setting left in an environment can hold back a machine: say what it could run instead.
    if (cpu.avx512_usable() && !is_avx512_kernel(user_coretype)) {
      reason += std::string("; this CPU and OS support the AVX-512 kernel ") +
                (cpu.avx512bf16 ? "Cooperlake" : "SkylakeX") + ": unset OPENBLAS_CORETYPE to use it";
    }
    return {"", reason};
  }
  if (chosen_policy == "openblas") return {"", "OpenBLAS's own choice (MINIDL_BLAS_KERNEL=openblas)"};
  if (cpu.avx512_usable()) {
    return {cpu.avx512bf16 ? "Cooperlake" : "SkylakeX", "AVX-512 in CPU and OS: chosen by minidl"};
  }
  return {"", "OpenBLAS's own choice: no AVX-512 kernel, " + missing_avx512(cpu)};
}

}  // namespace detail
}  // namespace minidl
