#include "minidl/detail/cpu_features.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

#include <cstdint>
#include <cstring>
#endif

namespace minidl {
namespace detail {

#if defined(__x86_64__) || defined(__i386__)
namespace {

// XCR0 through the XGETBV instruction, written as bytes: the intrinsic needs -mxsave, which the
// library must not require of its callers' CPUs.
std::uint64_t read_xcr0() {
  std::uint32_t eax = 0, edx = 0;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

}  // namespace

CpuFeatures cpu_features() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return f;
  const unsigned max_leaf = eax;
  char vendor[13] = {};
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  f.is_amd = std::strcmp(vendor, "AuthenticAMD") == 0;

  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool osxsave = (ecx >> 27) & 1u;  // the OS uses XSAVE, so XGETBV is allowed
  if (osxsave) {
    constexpr std::uint64_t kZmmState = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
    f.os_zmm_state = (read_xcr0() & kZmmState) == kZmmState;
  }
  if (max_leaf < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const unsigned max_subleaf = eax;
  f.avx512f = (ebx >> 16) & 1u;
  f.avx512dq = (ebx >> 17) & 1u;
  f.avx512bw = (ebx >> 30) & 1u;
  f.avx512vl = (ebx >> 31) & 1u;
  if (max_subleaf >= 1) {
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    f.avx512bf16 = (eax >> 5) & 1u;
  }
  return f;
}
#else
CpuFeatures cpu_features() { return {}; }
#endif

}  // namespace detail
}  // namespace minidl
