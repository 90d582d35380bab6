#pragma once
// MINIDL_DETAIL_SIMD_SIGNATURE: the SIMD instruction sets xsimd targets in the file being compiled,
// one bit each. The build evaluates it once with the library's flags (cmake/simd_probe.cpp) and
// simd_contract.hpp compares every including file against that value. The bit order matches
// MINIDL_SIMD_SET_NAMES in CMakeLists.txt.

#include <xsimd/config/xsimd_config.hpp>

#define MINIDL_DETAIL_SIMD_SIGNATURE                                                                   \
  (XSIMD_WITH_SSE2 * 1 + XSIMD_WITH_SSE3 * 2 + XSIMD_WITH_SSSE3 * 4 + XSIMD_WITH_SSE4_1 * 8 +         \
   XSIMD_WITH_SSE4_2 * 16 + XSIMD_WITH_AVX * 32 + XSIMD_WITH_FMA3_SSE * 64 +                          \
   XSIMD_WITH_FMA3_AVX * 128 + XSIMD_WITH_AVX2 * 256 + XSIMD_WITH_FMA3_AVX2 * 512 +                   \
   XSIMD_WITH_FMA4 * 1024 + XSIMD_WITH_AVX512F * 2048 + XSIMD_WITH_AVX512CD * 4096 +                  \
   XSIMD_WITH_AVX512DQ * 8192 + XSIMD_WITH_AVX512BW * 16384)
