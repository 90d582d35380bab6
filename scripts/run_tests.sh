#!/usr/bin/env bash
# Sets everything up (packages, MNIST) and runs the whole test suite through CTest.
# Usage: scripts/run_tests.sh [--sanitize]   (--sanitize: AddressSanitizer + UBSan build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bash scripts/setup.sh
bash scripts/fetch_mnist.sh

build="$root/build"
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  build="$root/build-asan"
  extra=(-DMINIDL_SANITIZE=ON -DMINIDL_BUILD_BENCH=OFF)
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
bash scripts/build.sh "$build" "${extra[@]}"
export OPENBLAS_NUM_THREADS=1
cd "$build"
ctest --output-on-failure -j "$(nproc)"
