#pragma once
// Fused recurrent-cell ops: the gate pre-activations as one buffer filled by two GEMMs, and the
// LSTM and GRU gate math as single ops whose backward is one fused kernel (a recorded op of its
// own, with hand-derived second derivatives), so a cell step is a handful of nodes instead of
// dozens and every derivative is written once.
//
// Gate layouts (columns of the pre-activation blocks), H = hidden size:
//   LSTM: A (N,4H) = [a_i | a_f | a_g | a_o]   (input, forget, candidate, output)
//   GRU:  Ax, Ah (N,3H) = [r | z | n]          (reset, update, candidate)

#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// y = x·Wx + h·Wh + b with x (N,D), Wx (D,G), h (N,H), Wh (H,G), b (G) -> y (N,G): the gate
/// pre-activations of a recurrent cell. One output buffer: b broadcast, then two GEMMs with beta=1.
/// Backward: gx = gy·Wxᵀ, gWx = xᵀ·gy, gh = gy·Whᵀ, gWh = hᵀ·gy, gb = Σ_rows gy (matmuls, so
/// differentiable again). Throws std::invalid_argument naming every shape on a mismatch.
template <typename T>
Variable<T> affine2(const Variable<T>& x, const Variable<T>& Wx, const Variable<T>& h, const Variable<T>& Wh,
                    const Variable<T>& b);

/// LSTM gate math, one op with two outputs {h', c'}, from A (N,4H) and the previous cell c (N,H):
///   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o),  c' = f⊙c + i⊙g,  h' = o⊙tanh(c').
/// Backward: lstm_gates_backward. Throws std::invalid_argument unless A is (N,4H) and c (N,H).
template <typename T>
std::vector<Variable<T>> lstm_gates(const Variable<T>& A, const Variable<T>& c);

/// The backward of lstm_gates as an op with two outputs {dA (N,4H), dc (N,H)}, from the upstream
/// gradients gh and gc of h' and c' (either may be undefined: zero) and the inputs A and c:
///   dc' = gc + gh⊙o⊙(1 − tanh²c'),  da_i = dc'⊙g⊙i(1−i),  da_f = dc'⊙c⊙f(1−f),
///   da_g = dc'⊙i⊙(1−g²),  da_o = gh⊙tanh(c')⊙o(1−o),  dc = dc'⊙f.
/// Its own backward (the second derivatives) is written with Variable ops.
template <typename T>
std::vector<Variable<T>> lstm_gates_backward(const Variable<T>& gh, const Variable<T>& gc, const Variable<T>& A,
                                             const Variable<T>& c);

/// GRU gate math from Ax = x·Wx + bx and Ah = h·Wh + bh, both (N,3H), and h (N,H):
///   r = σ(ax_r + ah_r), z = σ(ax_z + ah_z), n = tanh(ax_n + r⊙ah_n),  h' = (1 − z)⊙n + z⊙h
/// (PyTorch's GRU: the reset gate scales the hidden part of n after its bias). Backward:
/// gru_gates_backward. Throws std::invalid_argument unless Ax and Ah are (N,3H) and h (N,H).
template <typename T>
Variable<T> gru_gates(const Variable<T>& Ax, const Variable<T>& Ah, const Variable<T>& h);

/// The backward of gru_gates as an op with three outputs {dAx, dAh, dh}, from the upstream gy:
///   dn = gy⊙(1−z), dp = dn⊙(1−n²), dr = dp⊙ah_n⊙r(1−r), dz = gy⊙(h−n)⊙z(1−z),
///   dAx = [dr | dz | dp], dAh = [dr | dz | dp⊙r], dh = gy⊙z.
/// Its own backward (the second derivatives) is written with Variable ops.
template <typename T>
std::vector<Variable<T>> gru_gates_backward(const Variable<T>& gy, const Variable<T>& Ax, const Variable<T>& Ah,
                                            const Variable<T>& h);

}  // namespace minidl
