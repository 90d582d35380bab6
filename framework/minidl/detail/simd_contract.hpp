#pragma once
// The CPU-flags contract between libminidl and the code that includes its headers.
//
// Tensor is an xtensor array, so xtensor and xsimd templates (assignment loops, math functions) are
// instantiated both inside libminidl and in every file that includes minidl's headers. Those
// instantiations are inline functions whose bodies depend on the SIMD instruction sets the compiler
// targets: compiled with other -march flags than the library, the same function would get two
// different definitions, and the linker keeps one of them for both sides (an ODR violation that can
// silently slow the library down or run instructions the program was not meant to). So every file
// that includes minidl must target exactly the SIMD sets the library was built for; this header
// refuses, at compile time, any file that does not. The minidl::minidl CMake target and
// `pkg-config --cflags minidl` both pass the right flags.

#include "minidl/detail/build_config.hpp"
#include "minidl/detail/simd_signature.hpp"

#if !defined(XTENSOR_USE_XSIMD)
#error "minidl: libminidl was built with XTENSOR_USE_XSIMD; compile this file with the flags of the minidl::minidl CMake target or of `pkg-config --cflags minidl`"
#endif

static_assert(MINIDL_DETAIL_SIMD_SIGNATURE == MINIDL_BUILD_SIMD_SIGNATURE,
              "minidl: this file targets other SIMD instruction sets than libminidl, which was built "
              "with '" MINIDL_BUILD_ARCH_FLAGS "' (" MINIDL_BUILD_SIMD_NAMES "). Inlined xtensor/xsimd "
              "code would then differ between the two (an ODR violation). Compile with the same flags: "
              "link the CMake target minidl::minidl, or add `pkg-config --cflags minidl`.");
