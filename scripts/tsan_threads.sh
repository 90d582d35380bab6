#!/usr/bin/env bash
# Builds the library and the concurrency tests (tests/test_threads.cpp) with ThreadSanitizer in a
# build directory of their own (build-tsan), and runs them. Only that one test file is built, so
# the run costs a few minutes, not a second full sanitizer build.
#
# OpenBLAS is not built with ThreadSanitizer, so TSan cannot see synchronisation inside it: it runs
# with one OpenBLAS thread, so OpenBLAS starts no thread pool of its own. No report needs
# suppressing (none comes from OpenBLAS with one thread); if one ever does, suppress only frames
# inside libopenblas, in a suppressions file, with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# -O1: TSan's own recommendation, and it compiles xtensor's templates far faster than -O3.
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS=-O1 -DMINIDL_TSAN=ON -DMINIDL_BUILD_EXAMPLES=OFF \
      -DMINIDL_BUILD_BENCH=OFF "${launcher[@]}" > /dev/null
cmake --build build-tsan -j"${JOBS:-2}" --target minidl_thread_tests
OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  build-tsan/tests/minidl_thread_tests
echo "== ThreadSanitizer run took $(( $(date +%s) - start )) s =="
