#!/usr/bin/env bash
# A quick minidl_bench run at 1 and 2 threads whose JSON lines must carry the per-round ratios
# (check_bench_json.py says what is checked).
# Usage: bench_json_e2e.sh MINIDL_BENCH MNIST_DIR   (MINIDL_PYTHON: default /usr/bin/python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "${MINIDL_PYTHON:-/usr/bin/python3}" "$here/check_bench_json.py" "$@"
