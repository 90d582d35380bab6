#!/usr/bin/env bash
# Builds the downstream project in tests/consumer/project one way and runs it (it exits 0 only when
# its tiny net's loss fell). Called by CTest (tests/consumer/CMakeLists.txt).
#
# Usage: run_consumer.sh WAY WORK_DIR [PREFIX_OR_SOURCE]
#   find_package      WORK_DIR PREFIX   CMake project against the minidl installed in PREFIX
#   add_subdirectory  WORK_DIR SOURCE   CMake project with minidl's source tree as a subproject
#   pkg_config        WORK_DIR PREFIX   plain g++ with `pkg-config --cflags --libs minidl`
#   cpu_mismatch      WORK_DIR PREFIX   plain g++ without minidl's CPU flags: must either be refused
#                                       by the headers with the contract's message, or run correctly
# Environment: CXX (compiler), CXX_LAUNCHER (e.g. ccache; optional), BUILD_TYPE (CMake build type).
set -euo pipefail
way="$1" work="$2" where="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/project"
cxx="${CXX:-g++}"
launcher=()
[ -n "${CXX_LAUNCHER:-}" ] && launcher=("$CXX_LAUNCHER")
cmake_args=(-DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
[ -n "${CXX_LAUNCHER:-}" ] && cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$CXX_LAUNCHER")

rm -rf "$work"
mkdir -p "$work"
fail() { echo "consumer ($way): $*" >&2; exit 1; }

case "$way" in
  find_package)
    cmake -S "$src" -B "$work" -DMINIDL_CONSUMER_HOW=find_package -DCMAKE_PREFIX_PATH="$where" "${cmake_args[@]}"
    cmake --build "$work" -j 2
    ;;
  add_subdirectory)
    # No build type: minidl must not force its Release default into the parent's cache. -O1 keeps
    # the subproject's compile cheap; not -O0, where GCC's AVX-512 intrinsics are macros that
    # xsimd 8.1's AVX-512BW select() fails to compile with.
    cmake -S "$src" -B "$work" -DMINIDL_CONSUMER_HOW=add_subdirectory -DMINIDL_SOURCE_DIR="$where" \
          "${cmake_args[@]}" -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS=-O1
    # Subproject hygiene: the parent's cache is untouched, minidl's tests, examples and benchmark
    # are off, and its warnings do not reach the parent's own code.
    grep -q '^CMAKE_BUILD_TYPE:[A-Z]*=$' "$work/CMakeCache.txt" ||
      fail "minidl changed the parent's CMAKE_BUILD_TYPE: $(grep '^CMAKE_BUILD_TYPE' "$work/CMakeCache.txt")"
    grep -q 'minidl_example_\|minidl_tests\|minidl_bench' "$work/Makefile" "$work/build.ninja" 2>/dev/null &&
      fail "minidl built its tests, examples or benchmark as a subproject"
    main_cmd="$(grep -F '"command"' "$work/compile_commands.json" | grep -F "$src/main.cpp")" ||
      fail "no compile command for main.cpp"
    case "$main_cmd" in *-Wall*|*-Wextra*) fail "minidl's warning flags reached the parent's code: $main_cmd";; esac
    cmake --build "$work" --target train -j 2
    ;;
  pkg_config)
    export PKG_CONFIG_PATH="$where/lib/pkgconfig"
    flags="$(pkg-config --cflags --libs minidl)"
    echo "pkg-config --cflags --libs minidl: $flags"
    # shellcheck disable=SC2086  # the flags are meant to split into words
    "${launcher[@]}" "$cxx" -O2 "$src/main.cpp" -o "$work/train" $flags
    ;;
  cpu_mismatch)
    export PKG_CONFIG_PATH="$where/lib/pkgconfig"
    flags="$(pkg-config --cflags --libs minidl | sed -E 's/(^| )-m(arch|tune|avx|fma|sse)[^ ]*//g')"
    echo "compiling without minidl's CPU flags: $flags"
    # shellcheck disable=SC2086
    if ! "$cxx" -O2 "$src/main.cpp" -o "$work/train" $flags 2> "$work/compile.log"; then
      cat "$work/compile.log" >&2
      grep -q "targets other SIMD instruction sets than libminidl" "$work/compile.log" ||
        fail "the compile failed, but not with the CPU contract's message"
      echo "consumer ($way): refused at compile time with the CPU contract's message, as it must be"
      exit 0
    fi
    echo "consumer ($way): the library's flags add no SIMD set, so the build is allowed; running it"
    ;;
  *) fail "unknown way '$way'";;
esac
"$work/train"
