"""The book's TwoLayerNet (chapter 5) in plain NumPy, trained a few SGD steps on random data with a
fixed seed and saved the book's way, np.savez(W1=..., b1=..., W2=..., b2=...), plus the input and
NumPy's own predictions for it; `compare` then checks minidl's predictions from that archive.

Usage: python3 book_two_layer_net.py train OUT_DIR      (writes book.npz, book_compressed.npz,
                                                         x.npy, numpy_logits.npy)
       python3 book_two_layer_net.py compare OUT_DIR    (reads numpy_logits.npy and minidl_logits*.npy)
"""
import sys

import numpy as np


def predict(params, x):
    h = np.maximum(x @ params["W1"] + params["b1"], 0)
    return h @ params["W2"] + params["b2"]


def train(out):
    rng = np.random.default_rng(7)
    input_size, hidden, classes, batch = 64, 32, 10, 50
    params = {
        "W1": 0.1 * rng.standard_normal((input_size, hidden)),
        "b1": np.zeros(hidden),
        "W2": 0.1 * rng.standard_normal((hidden, classes)),
        "b2": np.zeros(classes),
    }
    x = rng.random((batch, input_size))
    t = rng.integers(0, classes, batch)
    losses = []
    for _ in range(20):  # SGD on softmax cross-entropy, backprop written as in the book's layers
        z1 = x @ params["W1"] + params["b1"]
        h = np.maximum(z1, 0)
        y = h @ params["W2"] + params["b2"]
        y = y - y.max(axis=1, keepdims=True)
        p = np.exp(y) / np.exp(y).sum(axis=1, keepdims=True)
        losses.append(-np.log(p[np.arange(batch), t]).mean())
        dy = p.copy()
        dy[np.arange(batch), t] -= 1
        dy /= batch
        grads = {"W2": h.T @ dy, "b2": dy.sum(axis=0)}
        dh = (dy @ params["W2"].T) * (z1 > 0)
        grads["W1"], grads["b1"] = x.T @ dh, dh.sum(axis=0)
        for k in params:
            params[k] -= 0.5 * grads[k]
    if not losses[-1] < losses[0]:
        sys.exit(f"book_two_layer_net: training did not lower the loss ({losses[0]:.4f} -> {losses[-1]:.4f})")
    np.savez(f"{out}/book.npz", **params)
    np.savez_compressed(f"{out}/book_compressed.npz", **params)
    np.save(f"{out}/x.npy", x)
    np.save(f"{out}/numpy_logits.npy", predict(params, x))
    print(f"book_two_layer_net: trained 20 steps (loss {losses[0]:.4f} -> {losses[-1]:.4f}), wrote book.npz")


def compare(out):
    want = np.load(f"{out}/numpy_logits.npy")
    for name in ("minidl_logits.npy", "minidl_logits_compressed.npy"):
        got = np.load(f"{out}/{name}")
        if got.shape != want.shape:
            sys.exit(f"book_two_layer_net: FAIL: {name} has shape {got.shape}, NumPy's {want.shape}")
        diff = np.abs(got - want).max()
        if not np.array_equal(got.argmax(axis=1), want.argmax(axis=1)) or diff > 1e-12:
            sys.exit(f"book_two_layer_net: FAIL: {name}: max |diff| {diff:.3g}, argmax equal: "
                     f"{np.array_equal(got.argmax(axis=1), want.argmax(axis=1))}")
        print(f"book_two_layer_net: {name}: the same predictions as NumPy on {len(want)} rows (max |diff| {diff:.1e})")


if __name__ == "__main__":
    {"train": train, "compare": compare}[sys.argv[1]](sys.argv[2])
