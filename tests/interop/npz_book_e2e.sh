#!/usr/bin/env bash
# End to end for NumPy -> minidl: the book's TwoLayerNet in plain NumPy trains a few steps and
# saves W1, b1, W2, b2 with np.savez and np.savez_compressed; minidl loads each archive into its
# TwoLayerNet (float64) and must predict exactly what NumPy predicts.
# Usage: npz_book_e2e.sh INTEROP_HELPER WORK_DIR   (MINIDL_PYTHON: default /usr/bin/python3)
set -euo pipefail
helper="$1" work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${MINIDL_PYTHON:-/usr/bin/python3}"
fail() {
  echo "npz_book_e2e: FAIL: $*" >&2
  exit 1
}
rm -rf "$work"
mkdir -p "$work"
"$python" -c "import numpy" 2> /dev/null || fail "$python lacks numpy (bash scripts/setup.sh installs python3-numpy)"
"$python" "$here/book_two_layer_net.py" train "$work" || fail "NumPy training"
"$helper" book-predict "$work/book.npz" "$work/x.npy" "$work/minidl_logits.npy" || fail "load into minidl"
"$helper" book-predict "$work/book_compressed.npz" "$work/x.npy" "$work/minidl_logits_compressed.npy" ||
  fail "load the compressed archive into minidl"
"$python" "$here/book_two_layer_net.py" compare "$work" || fail "predictions differ"
echo "npz_book_e2e: PASS"
