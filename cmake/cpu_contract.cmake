# The CPU contract. libminidl is compiled with MINIDL_ARCH_FLAGS (-march=native unless MINIDL_ARCH
# says otherwise or MINIDL_NATIVE=OFF turns it off), and every file that includes minidl's headers must target the same SIMD
# instruction sets, because xtensor/xsimd templates are inlined on both sides of the library
# boundary (see framework/minidl/detail/simd_contract.hpp). So the flags are a public, documented
# part of the minidl::minidl target and of minidl.pc, and the headers check them at compile time.
#
# This file evaluates which SIMD sets the flags enable (as xsimd sees them) and writes them into the
# generated header minidl/detail/build_config.hpp, next to the flags themselves.

set(MINIDL_ARCH native CACHE STRING
    "CPU that libminidl and the code using it are compiled for: -march=<MINIDL_ARCH> (e.g. native, x86-64-v3)")
if(MINIDL_NATIVE AND NOT MINIDL_ARCH STREQUAL "")
  set(MINIDL_ARCH_FLAGS -march=${MINIDL_ARCH})
else()
  set(MINIDL_ARCH_FLAGS "")
endif()
string(REPLACE ";" " " MINIDL_ARCH_FLAGS_STRING "${MINIDL_ARCH_FLAGS}")
# The probe sees the same flags as the library's sources: CMAKE_CXX_FLAGS may hold CPU flags too.
separate_arguments(_minidl_cxx_flags UNIX_COMMAND "${CMAKE_CXX_FLAGS}")

# Bit i of the signature is the i-th name (framework/minidl/detail/simd_signature.hpp).
set(MINIDL_SIMD_SET_NAMES sse2 sse3 ssse3 sse4.1 sse4.2 avx fma3-sse fma3-avx avx2 fma3-avx2 fma4
                          avx512f avx512cd avx512dq avx512bw)

get_target_property(_minidl_xsimd_includes xsimd INTERFACE_INCLUDE_DIRECTORIES)
set(_minidl_probe_includes "")
foreach(dir IN LISTS _minidl_xsimd_includes)
  list(APPEND _minidl_probe_includes "-I${dir}")
endforeach()
execute_process(
  COMMAND ${CMAKE_CXX_COMPILER} -std=c++17 ${_minidl_cxx_flags} ${MINIDL_ARCH_FLAGS} -I${PROJECT_SOURCE_DIR}/framework
          ${_minidl_probe_includes} -E -P ${PROJECT_SOURCE_DIR}/cmake/simd_probe.cpp
  OUTPUT_VARIABLE _minidl_probe_out ERROR_VARIABLE _minidl_probe_err RESULT_VARIABLE _minidl_probe_rc)
string(REGEX MATCH "minidl_simd_signature = ([^;]*);" _minidl_probe_line "${_minidl_probe_out}")
if(NOT _minidl_probe_rc EQUAL 0 OR NOT _minidl_probe_line)
  message(FATAL_ERROR "minidl: could not evaluate the SIMD sets of '${MINIDL_ARCH_FLAGS_STRING}' "
                      "with ${CMAKE_CXX_COMPILER}: ${_minidl_probe_err}")
endif()
math(EXPR MINIDL_SIMD_SIGNATURE "${CMAKE_MATCH_1}")

set(MINIDL_SIMD_NAMES "")
set(_minidl_bit 1)
foreach(name IN LISTS MINIDL_SIMD_SET_NAMES)
  math(EXPR _minidl_has "${MINIDL_SIMD_SIGNATURE} & ${_minidl_bit}")
  if(_minidl_has)
    string(APPEND MINIDL_SIMD_NAMES " ${name}")
  endif()
  math(EXPR _minidl_bit "${_minidl_bit} * 2")
endforeach()
string(STRIP "${MINIDL_SIMD_NAMES}" MINIDL_SIMD_NAMES)
# The same sets as /proc/cpuinfo names them, so the package config can refuse a CPU that lacks one.
string(REGEX REPLACE "fma3-[a-z0-9]+" "fma" MINIDL_CPUINFO_FLAGS "${MINIDL_SIMD_NAMES}")
string(REPLACE "sse3" "pni" MINIDL_CPUINFO_FLAGS "${MINIDL_CPUINFO_FLAGS}")
string(REPLACE "spni" "ssse3" MINIDL_CPUINFO_FLAGS "${MINIDL_CPUINFO_FLAGS}")
string(REPLACE "." "_" MINIDL_CPUINFO_FLAGS "${MINIDL_CPUINFO_FLAGS}")
separate_arguments(MINIDL_CPUINFO_FLAGS UNIX_COMMAND "${MINIDL_CPUINFO_FLAGS}")
list(REMOVE_DUPLICATES MINIDL_CPUINFO_FLAGS)
if(MINIDL_SIMD_NAMES STREQUAL "")
  set(MINIDL_SIMD_NAMES "no SIMD")
endif()
message(STATUS "minidl: CPU flags '${MINIDL_ARCH_FLAGS_STRING}' -> SIMD ${MINIDL_SIMD_NAMES}")

set(MINIDL_GENERATED_INCLUDE_DIR ${PROJECT_BINARY_DIR}/generated/include)
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_config.hpp.in
               ${MINIDL_GENERATED_INCLUDE_DIR}/minidl/detail/build_config.hpp @ONLY)
