#pragma once
// A whole LSTM layer's recurrence as one op: every time step's h·Wh product and gate math in one
// forward kernel, and back-propagation through time in one backward kernel, so a 35-step window is
// two graph nodes instead of hundreds, and the recurrent weight's gradient is one GEMM over all
// steps instead of one per step plus an accumulation.

#include <vector>

#include "minidl/core/variable.hpp"

namespace minidl {

/// The recurrence of an LSTM layer over T steps, from its projected input P = x·Wx + b for every
/// step, time-major: P is (T·N, 4H), step t's rows are [t·N, (t+1)·N), gate blocks [i | f | g | o].
/// With h_{-1} = h0 and c_{-1} = c0 (both (N,H)) and Wh (H,4H), for t = 0..T−1:
///   A_t = P_t + h_{t−1}·Wh,  (h_t, c_t) = lstm_gates(A_t, c_{t−1}).
/// Returns {Y, h_T, c_T}: Y (T·N, H) holds h_0..h_{T−1} time-major, h_T and c_T (N,H) are the final
/// state. The same values as T steps of addmm + lstm_gates, up to rounding.
/// Backward: lstm_sequence_backward, one op (so it is differentiable again).
/// Throws std::invalid_argument naming every shape unless P's rows are a multiple of N ≥ 1 and
/// the widths fit.
template <typename T>
std::vector<Variable<T>> lstm_sequence(const Variable<T>& P, const Variable<T>& Wh, const Variable<T>& h0,
                                       const Variable<T>& c0);

/// The backward of lstm_sequence as an op with four outputs {gP, gWh, gh0, gc0}, from the upstream
/// gradients of its outputs, gY (T·N,H), ghT and gcT (N,H) (any may be undefined: zero), and its
/// inputs. Back-propagation through time, for t = T−1..0, with gh = ghT + gY_T−1, gc = gcT:
///   (gA_t, gc) = lstm_gates_backward(gh, gc, A_t, c_{t−1}),  gh = gA_t·Whᵀ + gY_{t−1};
/// then gP = [gA_0; …; gA_{T−1}], gWh = Σ_t h_{t−1}ᵀ·gA_t (two GEMMs over all steps), gh0 = gh,
/// gc0 = gc. Its own backward (the second derivatives) differentiates the same recurrence written
/// as T steps of addmm and lstm_gates, whose derivatives are the ones above.
template <typename T>
std::vector<Variable<T>> lstm_sequence_backward(const Variable<T>& gY, const Variable<T>& ghT, const Variable<T>& gcT,
                                                const Variable<T>& P, const Variable<T>& Wh, const Variable<T>& h0,
                                                const Variable<T>& c0);

}  // namespace minidl
