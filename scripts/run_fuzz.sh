#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in build-fuzz/ and runs each
# for a while, all at once. Fails, printing the report, if any target crashes, hangs, leaks, trips
# a sanitizer or a reader breaks a promise; the input that did it is kept in build-fuzz/artifacts/.
# Usage: scripts/run_fuzz.sh [seconds per target, default 60]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${1:-60}"

bash scripts/setup.sh --fuzz

build="$root/build-fuzz"
targets=(fuzz_idx fuzz_mnist_set fuzz_checkpoint fuzz_image fuzz_npz)
mkdir -p "$build"
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1: the usual fuzzing trade-off between speed and compile time; Debug keeps assertions.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_CXX_COMPILER=clang++-14 \
      -DMINIDL_BUILD_FUZZ=ON -DMINIDL_BUILD_TESTS=OFF -DMINIDL_BUILD_EXAMPLES=OFF -DMINIDL_BUILD_BENCH=OFF \
      "${launcher[@]}" > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
build_start=$(date +%s)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
echo "run_fuzz: built in $(( $(date +%s) - build_start )) s"

# New inputs go to a scratch corpus under build-fuzz/; the committed seeds are only read.
mkdir -p "$build/artifacts"
pids=()
for t in "${targets[@]}"; do
  seeds="$root/tests/fuzz/corpus/${t#fuzz_}"
  work="$build/corpus/${t#fuzz_}"
  mkdir -p "$work"
  # MINIDL_FUZZ_SEED_DIR: fuzz_checkpoint adds a checkpoint in the format this build writes.
  MINIDL_FUZZ_SEED_DIR="$work" "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
    "$work" "$seeds" > "$build/$t.log" 2>&1 &
  pids+=($!)
done

failed=0
for i in "${!targets[@]}"; do
  t="${targets[$i]}"
  if wait "${pids[$i]}"; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$build/$t.log" | tail -1)
    echo "run_fuzz: $t: ${runs:-?} inputs in ${seconds} s, $cov, no findings"
  else
    failed=1
    echo "run_fuzz: $t FAILED (log: $build/$t.log); the last 60 lines:"
    tail -n 60 "$build/$t.log"
  fi
done
exit "$failed"
