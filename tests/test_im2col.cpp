// detail/im2col: im2col and col2im against references written straight from their index formulas,
// over a grid of geometries (stride 1-3, pad 0-2, 1 or 3 channels, several images, non-square inputs
// and windows, windows larger than the image that the padding makes legal). Both are compared bit
// for bit: im2col is a copy, and col2im adds into each pixel in the same (kh, kw) order as the
// reference, so even its rounding must agree.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include <minidl/detail/im2col.hpp>

using minidl::ConvGeometry;

namespace {

// Deterministic values in [-1, 1) with many distinct bit patterns (a lost or moved element shows).
template <typename T>
std::vector<T> values(std::size_t n, std::uint32_t seed) {
  std::vector<T> v(n);
  std::uint32_t s = seed;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<T>(static_cast<double>(s) / 2147483648.0 - 1.0);
  }
  return v;
}

// Input position of output position o under window tap k: o*stride + k - pad (may be outside).
std::ptrdiff_t input_pos(std::size_t o, std::size_t k, const ConvGeometry& g) {
  return static_cast<std::ptrdiff_t>(o * g.stride + k) - static_cast<std::ptrdiff_t>(g.pad);
}

bool inside(std::ptrdiff_t h, std::ptrdiff_t w, const ConvGeometry& g) {
  return h >= 0 && w >= 0 && h < static_cast<std::ptrdiff_t>(g.H) && w < static_cast<std::ptrdiff_t>(g.W);
}

std::size_t x_index(const ConvGeometry& g, std::size_t n, std::size_t c, std::ptrdiff_t h, std::ptrdiff_t w) {
  return ((n * g.C + c) * g.H + static_cast<std::size_t>(h)) * g.W + static_cast<std::size_t>(w);
}

std::size_t col_index(const ConvGeometry& g, std::size_t c, std::size_t kh, std::size_t kw, std::size_t n,
                      std::size_t oh, std::size_t ow) {
  return ((c * g.FH + kh) * g.FW + kw) * g.col_cols() + (n * g.OH + oh) * g.OW + ow;
}

// col[(c,kh,kw), (n,oh,ow)] = x[n, c, oh*s+kh-pad, ow*s+kw-pad], zero outside the image.
template <typename T>
std::vector<T> reference_im2col(const std::vector<T>& x, const ConvGeometry& g) {
  std::vector<T> col(g.col_rows() * g.col_cols());
  for (std::size_t c = 0; c < g.C; ++c)
    for (std::size_t kh = 0; kh < g.FH; ++kh)
      for (std::size_t kw = 0; kw < g.FW; ++kw)
        for (std::size_t n = 0; n < g.N; ++n)
          for (std::size_t oh = 0; oh < g.OH; ++oh)
            for (std::size_t ow = 0; ow < g.OW; ++ow) {
              const std::ptrdiff_t h = input_pos(oh, kh, g), w = input_pos(ow, kw, g);
              col[col_index(g, c, kh, kw, n, oh, ow)] = inside(h, w, g) ? x[x_index(g, n, c, h, w)] : T(0);
            }
  return col;
}

// x[n, c, oh*s+kh-pad, ow*s+kw-pad] += col[(c,kh,kw), (n,oh,ow)] for every entry that lies inside
// the image, visiting the taps (kh, kw) in increasing order.
template <typename T>
void reference_col2im(const std::vector<T>& col, const ConvGeometry& g, std::vector<T>& x) {
  for (std::size_t c = 0; c < g.C; ++c)
    for (std::size_t kh = 0; kh < g.FH; ++kh)
      for (std::size_t kw = 0; kw < g.FW; ++kw)
        for (std::size_t n = 0; n < g.N; ++n)
          for (std::size_t oh = 0; oh < g.OH; ++oh)
            for (std::size_t ow = 0; ow < g.OW; ++ow) {
              const std::ptrdiff_t h = input_pos(oh, kh, g), w = input_pos(ow, kw, g);
              if (inside(h, w, g)) x[x_index(g, n, c, h, w)] += col[col_index(g, c, kh, kw, n, oh, ow)];
            }
}

// Index of the first element whose bits differ, or a.size() when all are identical.
template <typename T>
std::size_t first_difference(const std::vector<T>& a, const std::vector<T>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return i;
  return a.size();
}

struct Extent {
  std::size_t N, H, W, FH, FW;
};

const Extent kExtents[] = {
    {2, 5, 7, 3, 2},  // non-square input and window
    {1, 6, 4, 4, 1},  // tall window, one column wide
    {2, 9, 8, 2, 5},  // wide window
    {1, 1, 3, 3, 1},  // window taller than the image: legal only with pad >= 1
    {2, 3, 1, 2, 5},  // window wider than the image: legal only with pad >= 2; some taps see only padding
    {1, 4, 4, 6, 6},  // window larger than the image both ways
    {1, 2, 2, 2, 2},  // window exactly the image
    {3, 7, 5, 7, 5},  // window exactly the image, several images
    {2, 4, 27, 2, 4},  // rows of 24-30 entries: the row copies unrolled for 3 and 4 vector chunks
    {1, 3, 41, 3, 3},  // rows of 39-43 entries: the row copies with a chunk loop
};

template <typename T>
void check_geometry(const ConvGeometry& g) {
  const std::vector<T> x = values<T>(g.N * g.C * g.H * g.W, 11);
  const std::vector<T> expect_col = reference_im2col(x, g);
  std::vector<T> col(expect_col.size(), T(12345));  // im2col must overwrite every entry
  minidl::im2col(x.data(), g, col.data());
  const std::size_t bad_col = first_difference(col, expect_col);
  INFO("im2col differs at col element " << bad_col);
  REQUIRE(bad_col == col.size());

  // col2im accumulates into what x holds already.
  const std::vector<T> gcol = values<T>(expect_col.size(), 12);
  std::vector<T> expect_x = values<T>(x.size(), 13), back = expect_x;
  reference_col2im(gcol, g, expect_x);
  minidl::col2im(gcol.data(), g, back.data());
  const std::size_t bad_x = first_difference(back, expect_x);
  INFO("col2im differs at x element " << bad_x);
  REQUIRE(bad_x == back.size());
}

}  // namespace

TEST_CASE("im2col and col2im agree bit for bit with their index formulas", "[conv][im2col]") {
  std::size_t checked = 0, rejected = 0;
  for (std::size_t stride : {1, 2, 3})
    for (std::size_t pad : {0, 1, 2})
      for (std::size_t C : {1, 3})
        for (const Extent& e : kExtents) {
          INFO("x (" << e.N << "," << C << "," << e.H << "," << e.W << ") window " << e.FH << "x" << e.FW << " stride "
                     << stride << " pad " << pad);
          const minidl::Shape shape{e.N, C, e.H, e.W};
          if (e.H + 2 * pad < e.FH || e.W + 2 * pad < e.FW) {
            // A window larger than the padded input has no output: the geometry is refused.
            REQUIRE_THROWS_AS(minidl::conv_geometry("test", shape, e.FH, e.FW, stride, pad), std::invalid_argument);
            ++rejected;
            continue;
          }
          const ConvGeometry g = minidl::conv_geometry("test", shape, e.FH, e.FW, stride, pad);
          REQUIRE(g.OH == (e.H + 2 * pad - e.FH) / stride + 1);
          REQUIRE(g.OW == (e.W + 2 * pad - e.FW) / stride + 1);
          check_geometry<float>(g);
          check_geometry<double>(g);
          ++checked;
        }
  // The grid covers both legal and refused geometries (guards against a grid that tests nothing).
  REQUIRE(checked >= 150);
  REQUIRE(rejected > 0);
}

TEST_CASE("im2col: W3's and DeepConvNet's geometries, one image at a time", "[conv][im2col]") {
  // The shapes conv2d runs most (per image, N = 1): SimpleConvNet's first layer, DeepConvNet's 3x3 pad 1.
  struct Case {
    std::size_t C, H, W, F, stride, pad;
  };
  for (const Case& c : {Case{1, 28, 28, 5, 1, 0}, Case{16, 28, 28, 3, 1, 1}, Case{32, 14, 14, 3, 1, 1},
                        Case{16, 28, 28, 3, 2, 1}}) {
    INFO("x (1," << c.C << "," << c.H << "," << c.W << ") window " << c.F << " stride " << c.stride
                 << " pad " << c.pad);
    const ConvGeometry g = minidl::conv_geometry("test", {1, c.C, c.H, c.W}, c.F, c.F, c.stride, c.pad);
    check_geometry<float>(g);
    check_geometry<double>(g);
  }
}

TEST_CASE("conv_workspace starts on a cache line", "[conv][im2col]") {
  // im2col's row stores assume it (an unaligned buffer is correct, only slower): check both types,
  // also after the buffer has grown.
  for (std::size_t count : {1, 1000, 100000}) {
    REQUIRE(reinterpret_cast<std::uintptr_t>(minidl::conv_workspace<float>(count)) % 64 == 0);
    REQUIRE(reinterpret_cast<std::uintptr_t>(minidl::conv_workspace<double>(count)) % 64 == 0);
    REQUIRE(minidl::conv_workspace_capacity<float>() >= count);
  }
  minidl::release_conv_workspace();
}
