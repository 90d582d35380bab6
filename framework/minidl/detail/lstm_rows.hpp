#pragma once
// The LSTM gate math on one row of a batch, forward and backward: the one place these formulas are
// written. The fused cell op (ops/recurrent.cpp) and the whole-sequence op
// (ops/lstm_sequence.cpp) both run them. Gate blocks of a row: [i | f | g | o], H values each.

#include <cstddef>

#include "minidl/core/kernels.hpp"

namespace minidl {
namespace detail {

// One row of the forward: activates a (4H) into acts, then c' = f⊙c + i⊙g, tanh(c') and
// h' = o⊙tanh(c'). Restrict-qualified so the element loops vectorise.
template <typename T>
inline void lstm_forward_row(const T* a, const T* __restrict c, T* __restrict acts, T* __restrict cn,
                             T* __restrict tc, T* __restrict hn, std::size_t h) {
  kernels::sigmoid(a, acts, 2 * h);              // i, f
  kernels::tanh(a + 2 * h, acts + 2 * h, h);     // g
  kernels::sigmoid(a + 3 * h, acts + 3 * h, h);  // o
  const T* __restrict i = acts;
  const T* __restrict f = acts + h;
  const T* __restrict g = acts + 2 * h;
  for (std::size_t j = 0; j < h; ++j) cn[j] = f[j] * c[j] + i[j] * g[j];
  kernels::tanh(cn, tc, h);
  if (hn) {
    const T* __restrict o = acts + 3 * h;
    for (std::size_t j = 0; j < h; ++j) hn[j] = o[j] * tc[j];
  }
}

// One row of the backward, from the upstream gradients gh of h' and gc of c', the activations, t =
// tanh(c') and the previous cell c:
//   dc' = gc + gh⊙o⊙(1 − t²),  da_i = dc'⊙g⊙i(1−i),  da_f = dc'⊙c⊙f(1−f),
//   da_g = dc'⊙i⊙(1−g²),  da_o = gh⊙t⊙o(1−o),  dc = dc'⊙f.
template <typename T>
inline void lstm_backward_row(const T* __restrict acts, const T* __restrict t, const T* __restrict c,
                              const T* __restrict gh, const T* __restrict gc, T* __restrict da, T* __restrict dc,
                              std::size_t h) {
  const T* __restrict i = acts;
  const T* __restrict f = acts + h;
  const T* __restrict g = acts + 2 * h;
  const T* __restrict o = acts + 3 * h;
  for (std::size_t j = 0; j < h; ++j) {
    const T dcn = gc[j] + gh[j] * o[j] * (T(1) - t[j] * t[j]);
    da[j] = dcn * g[j] * i[j] * (T(1) - i[j]);
    da[h + j] = dcn * c[j] * f[j] * (T(1) - f[j]);
    da[2 * h + j] = dcn * i[j] * (T(1) - g[j] * g[j]);
    da[3 * h + j] = gh[j] * t[j] * o[j] * (T(1) - o[j]);
    dc[j] = dcn * f[j];
  }
}

}  // namespace detail
}  // namespace minidl
