#!/usr/bin/env bash
# End to end for the export program: trains a small network of one kind, exports it as ONNX and
# .npz, checks the ONNX file with ONNX's own checker and the .npz with NumPy, runs the model in ONNX
# Runtime and compares its logits with minidl's on 100 MNIST test images (max |diff| <= 1e-4, the
# same argmax).
# Usage: onnx_e2e.sh KIND TRAIN EXPORT INTEROP_HELPER MNIST_DIR WORK_DIR
#   KIND: mlp, multilayer (batch norm, dropout, tanh), simple or deep.
#   MINIDL_PYTHON: the Python with Debian's python3-onnx and python3-numpy (default /usr/bin/python3).
set -euo pipefail
kind="$1" train="$2" export="$3" helper="$4" data="$5" work="$6"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/../../tools/onnxruntime"
python="${MINIDL_PYTHON:-/usr/bin/python3}"
fail() {
  echo "onnx_e2e $kind: FAIL: $*" >&2
  exit 1
}
rm -rf "$work"
mkdir -p "$work"
"$python" -c "import onnx, numpy" 2> /dev/null || fail "$python lacks onnx or numpy (bash scripts/setup.sh installs python3-onnx python3-numpy)"
[ -d "$tools/node_modules/onnxruntime-node" ] || fail "onnxruntime-node is not installed in $tools (bash scripts/setup.sh)"

case "$kind" in
  mlp) args=(--model mlp --hidden 64 32) ops=(Gemm Relu) ;;
  multilayer) args=(--model multilayer --hidden 50 40 --batchnorm --dropout 0.2 --activation tanh)
              ops=(Gemm BatchNormalization Tanh) ;;
  simple) args=(--model simple) ops=(Conv MaxPool Relu Flatten Gemm) ;;
  deep) args=(--model deep) ops=(Conv MaxPool Relu Flatten Gemm) ;;
  *) fail "unknown kind $kind" ;;
esac

"$train" "${args[@]}" --train-limit 1000 --test-limit 100 --epochs 1 --batch-size 50 --seed 3 --threads 1 \
  --data "$data" --out "$work/run" > "$work/train.log" 2>&1 || fail "train failed: $(tail -3 "$work/train.log")"
"$export" "$work/run" --onnx "$work/model.onnx" --npz "$work/params.npz" > "$work/export.log" 2>&1 ||
  fail "export failed: $(cat "$work/export.log")"
grep -q "^wrote $work/model.onnx (ONNX opset 13" "$work/export.log" || fail "unexpected report: $(cat "$work/export.log")"
grep -q "^wrote $work/params.npz" "$work/export.log" || fail "unexpected report: $(cat "$work/export.log")"

"$python" "$here/onnx_check.py" "$work/model.onnx" 10 "${ops[@]}" || fail "ONNX checker"
"$helper" reference "$work/run" "$data" 100 "$work" || fail "minidl's reference logits"
node "$tools/compare_logits.js" "$work/model.onnx" "$work/input.npy" "$work/logits.npy" || fail "ONNX Runtime"
"$python" "$here/npz_check.py" "$work/params.npz" "$work/model.onnx" "$work/input.npy" "$work/logits.npy" || fail "npz"

if [ "$kind" = mlp ]; then
  # savez_compressed's form holds the same arrays.
  "$export" "$work/run/model.ckpt" --npz "$work/compressed.npz" --compress > /dev/null || fail "--compress"
  "$python" -c "
import sys, numpy as np
a, b = np.load('$work/params.npz'), np.load('$work/compressed.npz')
assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files), 'compressed npz differs'
import zipfile
assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zipfile.ZipFile('$work/compressed.npz').infolist())
" || fail "compressed npz"
  # The command line: errors say what is wrong, and a failed export leaves no file behind.
  expect_error() {
    local want="$1"
    shift
    if "$export" "$@" > "$work/out.log" 2> "$work/err.log"; then fail "accepted: $*"; fi
    grep -qF -- "$want" "$work/err.log" || fail "for '$*' expected '$want', got: $(cat "$work/err.log")"
  }
  expect_error "nothing to do: give --onnx FILE and/or --npz FILE" "$work/run"
  expect_error "--compress applies to --npz only" "$work/run" --onnx "$work/x.onnx" --compress
  expect_error "$work/no_run" "$work/no_run" --npz "$work/x.npz"
  expect_error "No such file or directory" "$work/run" --onnx "$work/missing_dir/m.onnx"
  [ ! -e "$work/x.onnx" ] && [ ! -e "$work/x.npz" ] || fail "a failed export left a file"
fi
echo "onnx_e2e $kind: PASS"
