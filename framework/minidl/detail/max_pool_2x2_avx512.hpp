#pragma once
// The book's max pooling (2x2 windows, stride 2, no padding) on float planes with AVX-512: the
// forward (maximum and argmax) and the gradient's scatter, one output row of up to 16 windows per
// step. An output row of the book's 24x24 planes is 12 windows, which GCC's loops vectorise with a
// scalar tail or through flat passes that do twice the work; here one masked load takes a window
// row's 24 inputs, and two permutes split them into left and right members (or merge them back).
// The loops walk a strip of 16 windows down the plane, so the masks and lane offsets are set once
// per strip, not per row: a step is then little more than its loads, permutes and compares, which
// halved the forward's time on the book's planes.
// Internal to ops/pooling.cpp. Compiled only where the library's target has AVX-512F
// (MINIDL_ARCH, cmake/cpu_contract.cmake); elsewhere pooling.cpp keeps its portable loops.

#if defined(__AVX512F__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace minidl::detail::avx512 {

/// Lane indices that pick the even (left) and odd (right) members of 32 floats held in two vectors.
inline __m512i even_lanes() { return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30); }
inline __m512i odd_lanes() { return _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31); }
/// Lane indices that interleave two vectors a, b into a0 b0 a1 b1 ... (low half, then high half).
inline __m512i zip_low_lanes() { return _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); }
inline __m512i zip_high_lanes() { return _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); }

/// A mask of the first n (<= 16) lanes.
inline __mmask16 first_lanes(std::size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

/// Pools one plane of width W (>= 2*OW, row stride W) into OH x OW outputs y, and, when index is
/// not null, the offset of each maximum within the plane. Same rule as the portable kernels: the
/// larger of each horizontal pair (left on ties), then the larger of the top and bottom pair (top
/// on ties), which is the first element equal to the maximum in row-major order. Returns false if
/// any input read is NaN (the caller then redoes the plane with the exact, NaN-aware loop).
inline bool max_pool_plane_2x2(const float* plane, std::size_t W, std::size_t OH, std::size_t OW, float* y,
                               std::uint32_t* index) {
  const __m512i even = even_lanes(), odd = odd_lanes();
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i below = _mm512_set1_epi32(static_cast<int>(W));
  const __m512i below_right = _mm512_set1_epi32(static_cast<int>(W + 1));
  const __m512i two_rows = _mm512_set1_epi32(static_cast<int>(2 * W));
  __mmask16 nan = 0;
  // A strip of up to 16 windows at a time, down the plane: its masks are set once per strip.
  for (std::size_t ow = 0; ow < OW; ow += 16) {
    const std::size_t n = OW - ow < 16 ? OW - ow : 16;
    // 2n inputs of each row: the first 16 in one vector, the rest in the second.
    const __mmask16 m0 = first_lanes(2 * n < 16 ? 2 * n : 16), m1 = first_lanes(2 * n > 16 ? 2 * n - 16 : 0);
    const __mmask16 out = first_lanes(n);
    // offset = 2*oh*W + 2*(ow + lane), +1 for a right member, +W for a bottom one
    __m512i corner = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(2 * ow)), even);
    const float* top = plane + 2 * ow;
    for (std::size_t oh = 0; oh < OH; ++oh, top += 2 * W, corner = _mm512_add_epi32(corner, two_rows)) {
      const __m512 t0 = _mm512_maskz_loadu_ps(m0, top), t1 = _mm512_maskz_loadu_ps(m1, top + 16);
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, top + W), b1 = _mm512_maskz_loadu_ps(m1, top + W + 16);
      const __m512 tl = _mm512_permutex2var_ps(t0, even, t1), tr = _mm512_permutex2var_ps(t0, odd, t1);
      const __m512 bl = _mm512_permutex2var_ps(b0, even, b1), br = _mm512_permutex2var_ps(b0, odd, b1);
      // The left and right members together hold every input read: one unordered test per pair.
      nan |= _mm512_cmp_ps_mask(tl, tr, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(bl, br, _CMP_UNORD_Q);
      const __mmask16 top_right = _mm512_cmp_ps_mask(tr, tl, _CMP_GT_OQ);
      const __mmask16 bottom_right = _mm512_cmp_ps_mask(br, bl, _CMP_GT_OQ);
      const __m512 tm = _mm512_mask_blend_ps(top_right, tl, tr), bm = _mm512_mask_blend_ps(bottom_right, bl, br);
      const __mmask16 down = _mm512_cmp_ps_mask(bm, tm, _CMP_GT_OQ);
      _mm512_mask_storeu_ps(y + oh * OW + ow, out, _mm512_mask_blend_ps(down, tm, bm));
      if (index) {
        const __m512i from_top = _mm512_mask_mov_epi32(zero, top_right, one);
        const __m512i from_bottom = _mm512_mask_mov_epi32(below, bottom_right, below_right);
        const __m512i at = _mm512_add_epi32(corner, _mm512_mask_blend_epi32(down, from_top, from_bottom));
        _mm512_mask_storeu_epi32(index + oh * OW + ow, out, at);
      }
    }
  }
  return nan == 0;
}

/// The gradient of one pooled plane, written densely: a plane of 2*OH rows of width 2*OW (the
/// windows tile it) where each window's maximum (at offset[k] within the plane) gets 0 + g[k] and
/// the other three members 0 (all four when offset[k] is ArgmaxIndex::kNoInput, which lies
/// beyond any plane). Every position is stored once, so no zeroing pass comes first; the
/// values equal the zero-fill-then-scatter ones bit for bit (0 + g turns a -0 into +0 there too).
inline void scatter_plane_2x2(const float* g, const std::uint32_t* offset, std::size_t OH, std::size_t OW,
                              float* plane) {
  const std::size_t W = 2 * OW;
  const __m512i zip_low = zip_low_lanes(), zip_high = zip_high_lanes();
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i below = _mm512_set1_epi32(static_cast<int>(W));
  const __m512i below_right = _mm512_set1_epi32(static_cast<int>(W + 1));
  const __m512i two_rows = _mm512_set1_epi32(static_cast<int>(2 * W));
  // A strip of up to 16 windows at a time, down the plane: its masks are set once per strip.
  for (std::size_t ow = 0; ow < OW; ow += 16) {
    const std::size_t n = OW - ow < 16 ? OW - ow : 16;
    const __mmask16 in = first_lanes(n);
    const __mmask16 m0 = first_lanes(2 * n < 16 ? 2 * n : 16), m1 = first_lanes(2 * n > 16 ? 2 * n - 16 : 0);
    // Each window's top-left corner: where its offset is measured from.
    __m512i corner = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(2 * ow)), even_lanes());
    float* top = plane + 2 * ow;
    for (std::size_t oh = 0; oh < OH; ++oh, top += 2 * W, corner = _mm512_add_epi32(corner, two_rows)) {
      const std::size_t k = oh * OW + ow;
      const __m512 v = _mm512_add_ps(_mm512_setzero_ps(), _mm512_maskz_loadu_ps(in, g + k));
      // Which member holds the maximum. A cut-off output (kNoInput) is far from every corner: its
      // rel matches no member.
      const __m512i rel = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(in, offset + k), corner);
      const __m512 tl = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(rel, zero), v);
      const __m512 tr = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(rel, one), v);
      const __m512 bl = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(rel, below), v);
      const __m512 br = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(rel, below_right), v);
      _mm512_mask_storeu_ps(top, m0, _mm512_permutex2var_ps(tl, zip_low, tr));
      _mm512_mask_storeu_ps(top + 16, m1, _mm512_permutex2var_ps(tl, zip_high, tr));
      _mm512_mask_storeu_ps(top + W, m0, _mm512_permutex2var_ps(bl, zip_low, br));
      _mm512_mask_storeu_ps(top + W + 16, m1, _mm512_permutex2var_ps(bl, zip_high, br));
    }
  }
}

}  // namespace minidl::detail::avx512

#endif  // __AVX512F__
