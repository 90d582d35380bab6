"""Checks an .npz written by `export --npz` with NumPy (Debian's python3-numpy): numpy.load reads
it; it holds float32 arrays under exactly the names, and with exactly the values, of the float
initializers of the ONNX export of the same checkpoint; and, for an MLP, NumPy's own forward pass
over those arrays reproduces minidl's logits.

Usage: python3 npz_check.py PARAMS.npz MODEL.onnx [INPUT.npy LOGITS.npy]
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def fail(message):
    print(f"npz_check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    npz_path, onnx_path = sys.argv[1], sys.argv[2]
    with np.load(npz_path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    model = onnx.load(onnx_path)
    onnx_params = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer
                   if t.data_type == onnx.TensorProto.FLOAT}
    if sorted(arrays) != sorted(onnx_params):
        fail(f"names differ: npz {sorted(arrays)} vs ONNX initializers {sorted(onnx_params)}")
    for name, a in arrays.items():
        if a.dtype != np.float32:
            fail(f"{name} is {a.dtype}, expected float32")
        if a.shape != onnx_params[name].shape or not np.array_equal(a, onnx_params[name]):
            fail(f"{name}: npz {a.shape} differs from the ONNX initializer {onnx_params[name].shape}")
    print(f"npz_check: {npz_path}: {len(arrays)} float32 arrays, the same names and values as the ONNX initializers")

    if len(sys.argv) > 4 and all(name.startswith("fc") for name in arrays):
        x = np.load(sys.argv[3]).astype(np.float64)
        want = np.load(sys.argv[4])
        layers = len(arrays) // 2
        for i in range(1, layers + 1):
            x = x @ arrays[f"fc{i}.W"].astype(np.float64) + arrays[f"fc{i}.b"]
            if i < layers:
                x = np.maximum(x, 0)
        diff = np.abs(x - want).max()
        if diff > 1e-4 or not np.array_equal(x.argmax(axis=1), want.argmax(axis=1)):
            fail(f"NumPy's forward pass over the npz differs from minidl's logits: max |diff| {diff:.3g}")
        print(f"npz_check: NumPy forward pass over the arrays matches minidl on {len(want)} images "
              f"(max |diff| {diff:.2e}, same argmax)")


if __name__ == "__main__":
    main()
