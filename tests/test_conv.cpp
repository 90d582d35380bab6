// detail/im2col, ops/conv, ops/pooling and their modules: im2col/col2im against naive loops, conv and
// pooling forwards against hand-computed numbers and a direct convolution loop, first-max routing,
// error messages, second derivatives (create_graph), reuse of the column workspace, backward after
// the workspace was overwritten, float/double agreement.
#include <catch2/catch.hpp>

#include <cmath>
#include <tuple>
#include <vector>

#include <minidl/check/catch_gradcheck.hpp>
#include <minidl/minidl.hpp>
#include <minidl/detail/im2col.hpp>

using namespace minidl;

namespace {

template <typename T>
Variable<T> tensor4(const Shape& shape, const std::vector<double>& values, bool requires_grad = false) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  REQUIRE(values.size() == t.size());
  for (std::size_t i = 0; i < values.size(); ++i) t.data()[i] = static_cast<T>(values[i]);
  return Variable<T>(std::move(t), requires_grad);
}

// Deterministic pseudo-random values in [-1, 1) (same sequence for float and double).
std::vector<double> values(std::size_t n, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = gen.uniform(-1.0, 1.0);
  return v;
}

// x_pad[n,c,h,w] read through the padding (zero outside the image).
double at(const std::vector<double>& x, const ConvGeometry& g, std::size_t n, std::size_t c, std::ptrdiff_t h,
          std::ptrdiff_t w) {
  if (h < 0 || w < 0 || h >= static_cast<std::ptrdiff_t>(g.H) || w >= static_cast<std::ptrdiff_t>(g.W)) return 0.0;
  return x[((n * g.C + c) * g.H + static_cast<std::size_t>(h)) * g.W + static_cast<std::size_t>(w)];
}

std::ptrdiff_t in_pos(std::size_t o, std::size_t k, const ConvGeometry& g) {
  return static_cast<std::ptrdiff_t>(o * g.stride + k) - static_cast<std::ptrdiff_t>(g.pad);
}

// The column matrix straight from its definition: col[(c,kh,kw), (n,oh,ow)] = x_pad[n,c,oh*s+kh,ow*s+kw].
std::vector<double> naive_im2col(const std::vector<double>& x, const ConvGeometry& g) {
  std::vector<double> col(g.col_rows() * g.col_cols());
  for (std::size_t c = 0; c < g.C; ++c)
    for (std::size_t kh = 0; kh < g.FH; ++kh)
      for (std::size_t kw = 0; kw < g.FW; ++kw)
        for (std::size_t n = 0; n < g.N; ++n)
          for (std::size_t oh = 0; oh < g.OH; ++oh)
            for (std::size_t ow = 0; ow < g.OW; ++ow)
              col[((c * g.FH + kh) * g.FW + kw) * g.col_cols() + (n * g.OH + oh) * g.OW + ow] =
                  at(x, g, n, c, in_pos(oh, kh, g), in_pos(ow, kw, g));
  return col;
}

// The direct convolution loop: y[n,f,oh,ow] = b[f] + Σ W[f,c,kh,kw] x_pad[n,c,oh*s+kh,ow*s+kw].
std::vector<double> naive_conv(const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& b,
                               const ConvGeometry& g, std::size_t FN) {
  std::vector<double> y(g.N * FN * g.OH * g.OW);
  for (std::size_t n = 0; n < g.N; ++n)
    for (std::size_t f = 0; f < FN; ++f)
      for (std::size_t oh = 0; oh < g.OH; ++oh)
        for (std::size_t ow = 0; ow < g.OW; ++ow) {
          double acc = b.empty() ? 0.0 : b[f];
          for (std::size_t c = 0; c < g.C; ++c)
            for (std::size_t kh = 0; kh < g.FH; ++kh)
              for (std::size_t kw = 0; kw < g.FW; ++kw)
                acc += w[((f * g.C + c) * g.FH + kh) * g.FW + kw] * at(x, g, n, c, in_pos(oh, kh, g), in_pos(ow, kw, g));
          y[((n * FN + f) * g.OH + oh) * g.OW + ow] = acc;
        }
  return y;
}

template <typename T>
void require_close(const Tensor<T>& t, const std::vector<double>& expected, double tol) {
  REQUIRE(t.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    REQUIRE(static_cast<double>(t.data()[i]) == Approx(expected[i]).margin(tol));
  }
}

struct Geo {
  std::size_t N, C, H, W, FH, FW, stride, pad;
};
const Geo kGeometries[] = {
    {2, 3, 5, 4, 3, 3, 1, 0},  // several images and channels, non-square input
    {1, 2, 6, 7, 3, 2, 2, 1},  // stride 2, pad 1, non-square kernel
    {2, 1, 5, 5, 2, 2, 3, 2},  // stride 3, pad 2: windows that are mostly padding
    {1, 1, 3, 3, 3, 3, 1, 1},  // window as large as the image
    {1, 2, 4, 4, 1, 1, 1, 0},  // 1x1 kernel
    {3, 2, 8, 6, 5, 3, 2, 0},  // stride 2, kernel taller than wide, windows skip the last row
};

}  // namespace

TEST_CASE("im2col and col2im match naive loops", "[conv][im2col]") {
  for (const Geo& t : kGeometries) {
    const ConvGeometry g = conv_geometry("test", {t.N, t.C, t.H, t.W}, t.FH, t.FW, t.stride, t.pad);
    INFO("x " << shape_str({t.N, t.C, t.H, t.W}) << " window " << t.FH << "x" << t.FW << " stride " << t.stride
              << " pad " << t.pad);
    REQUIRE(g.OH == (t.H + 2 * t.pad - t.FH) / t.stride + 1);
    REQUIRE(g.OW == (t.W + 2 * t.pad - t.FW) / t.stride + 1);
    const std::vector<double> x = values(t.N * t.C * t.H * t.W, 7);
    const std::vector<double> ref = naive_im2col(x, g);

    std::vector<double> col(ref.size(), 12345.0);  // im2col must overwrite every entry
    im2col(x.data(), g, col.data());
    REQUIRE(col == ref);  // a pure copy: exact
    std::vector<float> xf(x.begin(), x.end()), colf(ref.size(), 7.f);
    im2col(xf.data(), g, colf.data());
    for (std::size_t i = 0; i < ref.size(); ++i) REQUIRE(colf[i] == static_cast<float>(ref[i]));

    // col2im is the naive scatter-add (each col entry back to the pixel it was copied from).
    const std::vector<double> c = values(ref.size(), 8);
    std::vector<double> expect(x.size(), 0.0);
    for (std::size_t ch = 0; ch < g.C; ++ch)
      for (std::size_t kh = 0; kh < g.FH; ++kh)
        for (std::size_t kw = 0; kw < g.FW; ++kw)
          for (std::size_t n = 0; n < g.N; ++n)
            for (std::size_t oh = 0; oh < g.OH; ++oh)
              for (std::size_t ow = 0; ow < g.OW; ++ow) {
                const std::ptrdiff_t h = in_pos(oh, kh, g), w = in_pos(ow, kw, g);
                if (h < 0 || w < 0 || h >= static_cast<std::ptrdiff_t>(g.H) || w >= static_cast<std::ptrdiff_t>(g.W))
                  continue;
                expect[((n * g.C + ch) * g.H + static_cast<std::size_t>(h)) * g.W + static_cast<std::size_t>(w)] +=
                    c[((ch * g.FH + kh) * g.FW + kw) * g.col_cols() + (n * g.OH + oh) * g.OW + ow];
              }
    std::vector<double> back(x.size(), 0.0);
    col2im(c.data(), g, back.data());
    for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(back[i] == Approx(expect[i]).margin(1e-12));
    // ... and the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>.
    double lhs = 0, rhs = 0;
    for (std::size_t i = 0; i < c.size(); ++i) lhs += ref[i] * c[i];
    for (std::size_t i = 0; i < x.size(); ++i) rhs += x[i] * back[i];
    REQUIRE(lhs == Approx(rhs).margin(1e-12));
  }
}

TEST_CASE("conv2d: forward on hand-computed cases", "[conv]") {
  SECTION("3x3 image, 2x2 difference filter, bias") {
    // y[i,j] = x[i,j] - x[i+1,j+1] + 0.5 = -4 + 0.5 for x = 1..9.
    auto x = tensor4<double>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    auto W = tensor4<double>({1, 1, 2, 2}, {1, 0, 0, -1});
    auto b = tensor4<double>({1}, {0.5});
    auto y = conv2d(x, W, b);
    REQUIRE(y.shape() == Shape{1, 1, 2, 2});
    require_close(y.data(), {-3.5, -3.5, -3.5, -3.5}, 0);
  }
  SECTION("pad 1: a 2x2 box filter over a padded 2x2 image") {
    auto x = tensor4<float>({1, 1, 2, 2}, {1, 2, 3, 4});
    auto W = tensor4<float>({1, 1, 2, 2}, {1, 1, 1, 1});
    auto y = conv2d(x, W, Var(), 1, 1);
    REQUIRE(y.shape() == Shape{1, 1, 3, 3});
    require_close(y.data(), {1, 3, 2, 4, 10, 6, 3, 7, 4}, 0);
  }
  SECTION("stride 2 and two input channels summed into two filters") {
    // x channel 0 = 0..15 (4x4), channel 1 = all ones; filter 0 picks channel 0's top-left tap,
    // filter 1 sums channel 1's 2x2 window (= 4) and adds bias 1.
    std::vector<double> xv(32);
    for (int i = 0; i < 16; ++i) xv[i] = i;
    for (int i = 16; i < 32; ++i) xv[i] = 1;
    auto x = tensor4<double>({1, 2, 4, 4}, xv);
    auto W = tensor4<double>({2, 2, 2, 2}, {1, 0, 0, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 1, 1, 1, 1});
    auto b = tensor4<double>({2}, {0, 1});
    auto y = conv2d(x, W, b, 2, 0);
    REQUIRE(y.shape() == Shape{1, 2, 2, 2});
    require_close(y.data(), {0, 2, 8, 10, 5, 5, 5, 5}, 0);
  }
}

TEST_CASE("conv2d: forward matches a direct convolution loop in float and double", "[conv]") {
  for (const Geo& t : kGeometries) {
    const std::size_t FN = 4;
    const Shape xs{t.N, t.C, t.H, t.W}, ws{FN, t.C, t.FH, t.FW};
    const ConvGeometry g = conv_geometry("test", xs, t.FH, t.FW, t.stride, t.pad);
    const auto xv = values(shape_size(xs), 1), wv = values(shape_size(ws), 2), bv = values(FN, 3);
    const auto ref = naive_conv(xv, wv, bv, g, FN);
    INFO("x " << shape_str(xs) << " W " << shape_str(ws) << " stride " << t.stride << " pad " << t.pad);
    auto yd = conv2d(tensor4<double>(xs, xv), tensor4<double>(ws, wv), tensor4<double>({FN}, bv), t.stride, t.pad);
    REQUIRE(yd.shape() == Shape{t.N, FN, g.OH, g.OW});
    require_close(yd.data(), ref, 1e-12);
    auto yf = conv2d(tensor4<float>(xs, xv), tensor4<float>(ws, wv), tensor4<float>({FN}, bv), t.stride, t.pad);
    require_close(yf.data(), ref, 1e-5);
  }
}

TEST_CASE("conv2d: gradients are the adjoint of the direct loop, float agrees with double", "[conv]") {
  const Shape xs{2, 3, 6, 5}, ws{4, 3, 3, 3};
  const std::size_t stride = 2, pad = 1;
  const auto xv = values(shape_size(xs), 11), wv = values(shape_size(ws), 12), bv = values(4, 13);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    auto x = tensor4<T>(xs, xv, true), W = tensor4<T>(ws, wv, true), b = tensor4<T>({4}, bv, true);
    auto y = conv2d(x, W, b, stride, pad);
    // loss = Σ y ⊙ r with r = 1..size, so every output gets a distinct upstream gradient.
    Tensor<T> r = Tensor<T>::from_shape(y.shape());
    for (std::size_t i = 0; i < r.size(); ++i) r.data()[i] = static_cast<T>(0.01 * (i + 1));
    y.backward(r);
    return std::make_tuple(x.grad().data(), W.grad().data(), b.grad().data(), r);
  };
  const auto d = run(double{});
  const auto f = run(float{});
  const Tensor<double>&gxd = std::get<0>(d), &gwd = std::get<1>(d), &gbd = std::get<2>(d), &rd = std::get<3>(d);
  const Tensor<float>&gxf = std::get<0>(f), &gwf = std::get<1>(f), &gbf = std::get<2>(f);
  // Reference: gb[f] = Σ r[n,f,...]; gW and gx from finite differences of the exactly linear loop
  // are replaced by the adjoint identity <y(x+dx), r> - <y(x), r> = <gx, dx> with unit dx.
  const ConvGeometry g = conv_geometry("test", xs, 3, 3, stride, pad);
  auto dot_r = [&](const std::vector<double>& x, const std::vector<double>& w) {
    const auto y = naive_conv(x, w, {}, g, 4);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * rd.data()[i];
    return s;
  };
  const double base = dot_r(xv, wv);
  for (std::size_t i = 0; i < xv.size(); i += 7) {
    auto xp = xv;
    xp[i] += 1.0;
    REQUIRE(gxd.data()[i] == Approx(dot_r(xp, wv) - base).margin(1e-10));
  }
  for (std::size_t i = 0; i < wv.size(); i += 5) {
    auto wp = wv;
    wp[i] += 1.0;
    REQUIRE(gwd.data()[i] == Approx(dot_r(xv, wp) - base).margin(1e-10));
  }
  const std::size_t P = rd.size() / (2 * 4);
  for (std::size_t f = 0; f < 4; ++f) {
    double s = 0;
    for (std::size_t n = 0; n < 2; ++n)
      for (std::size_t p = 0; p < P; ++p) s += rd.data()[(n * 4 + f) * P + p];
    REQUIRE(gbd.data()[f] == Approx(s).margin(1e-12));
  }
  for (std::size_t i = 0; i < gxd.size(); ++i) REQUIRE(gxf.data()[i] == Approx(gxd.data()[i]).epsilon(1e-4).margin(1e-5));
  for (std::size_t i = 0; i < gwd.size(); ++i) REQUIRE(gwf.data()[i] == Approx(gwd.data()[i]).epsilon(1e-4).margin(1e-4));
  for (std::size_t i = 0; i < gbd.size(); ++i) REQUIRE(gbf.data()[i] == Approx(gbd.data()[i]).epsilon(1e-5));
}

TEST_CASE("conv2d and pooling: second derivatives through create_graph", "[conv][gradgradcheck]") {
  Generator gen(5);
  auto x = uniform<double>({2, 2, 5, 4}, gen, -1, 1, true);
  auto W = uniform<double>({3, 2, 3, 2}, gen, -1, 1, true);
  auto b = uniform<double>({3}, gen, -1, 1, true);
  // conv2d is bilinear: the second derivative couples x and W (not all zero), but the bias's is.
  GradcheckOptions opt;
  opt.allow_all_zero = true;
  MINIDL_REQUIRE_GRADGRADCHECK([](const std::vector<Var64>& v) { return conv2d(v[0], v[1], v[2], 2, 1); },
                               {x, W, b}, opt);
  // A non-linear use of conv: squared outputs make the second derivative non-trivial everywhere.
  MINIDL_REQUIRE_GRADGRADCHECK(
      [](const std::vector<Var64>& v) {
        auto y = conv2d(v[0], v[1], v[2], 1, 0);
        return y * y;
      },
      {x, W, b});
  MINIDL_REQUIRE_GRADGRADCHECK([](const std::vector<Var64>& v) {
    auto y = avg_pool2d(v[0], 2, 2, 1, 1);
    return y * y;
  }, {x});
  // Distinct values for max pooling: no ties for the finite differences to flip.
  auto xm = tensor4<double>({1, 2, 4, 4}, [] {
    std::vector<double> v(32);
    for (int i = 0; i < 32; ++i) v[i] = ((i * 13) % 32) * 0.1 - 1.6;
    return v;
  }());
  xm.set_requires_grad(true);
  MINIDL_REQUIRE_GRADGRADCHECK([](const std::vector<Var64>& v) {
    auto y = max_pool2d(v[0], 2, 2, 2);
    return y * y;
  }, {xm});
}

TEST_CASE("max_pool2d: values, first-max routing, padding never wins", "[conv][pool]") {
  auto x = tensor4<double>({1, 1, 4, 4}, {1, 9, 2, 3,  //
                                          4, 5, 8, 8,  // a tie (8, 8) in the top-right window
                                          0, 0, -1, -2,  //
                                          0, 7, -3, -4}, true);
  auto y = max_pool2d(x, 2, 2, 2);
  REQUIRE(y.shape() == Shape{1, 1, 2, 2});
  require_close(y.data(), {9, 8, 7, -1}, 0);
  y.backward(Tensor<double>({{{{10, 20}, {30, 40}}}}));
  // The tie goes to the first 8 (row 1, col 2); the bottom-left window's max 7 is unique; the 0,0,0
  // zeros in that window get nothing.
  require_close(x.grad().data(), {0, 10, 0, 0,  //
                                   0, 0, 20, 0,  //
                                   0, 0, 40, 0,  //
                                   0, 30, 0, 0}, 0);

  // With padding, an all-negative image must not pool to the padded zeros.
  auto neg = tensor4<float>({1, 1, 2, 2}, {-1, -2, -3, -4});
  auto yp = max_pool2d(neg, 2, 2, 1, 1);
  REQUIRE(yp.shape() == Shape{1, 1, 3, 3});
  require_close(yp.data(), {-1, -1, -2, -1, -1, -2, -3, -3, -4}, 0);

  // Equal values everywhere: every gradient goes to each window's first element.
  auto flat = tensor4<double>({1, 1, 2, 4}, {3, 3, 3, 3, 3, 3, 3, 3}, true);
  sum(max_pool2d(flat, 2, 2, 2)).backward();
  require_close(flat.grad().data(), {1, 0, 1, 0, 0, 0, 0, 0}, 0);

  // NaN propagates.
  auto nan = tensor4<float>({1, 1, 2, 2}, {1, std::nan(""), 3, 2});
  REQUIRE(std::isnan(max_pool2d(nan, 2, 2, 2).data()(0, 0, 0, 0)));
}

namespace {

// The definition of max_pool2d, one window at a time: max in row-major order, strictly greater
// wins, a NaN takes over once; returns the flat input index of each output's winner.
std::vector<std::size_t> reference_argmax(const std::vector<double>& x, const Shape& xs, std::size_t ph, std::size_t pw,
                                          std::size_t stride, std::size_t pad) {
  const std::ptrdiff_t H = static_cast<std::ptrdiff_t>(xs[2]), W = static_cast<std::ptrdiff_t>(xs[3]);
  const std::size_t OH = (xs[2] + 2 * pad - ph) / stride + 1, OW = (xs[3] + 2 * pad - pw) / stride + 1;
  std::vector<std::size_t> out;
  for (std::size_t plane = 0; plane < xs[0] * xs[1]; ++plane) {
    for (std::size_t oh = 0; oh < OH; ++oh) {
      for (std::size_t ow = 0; ow < OW; ++ow) {
        std::size_t best = 0;
        bool found = false;
        for (std::size_t i = 0; i < ph; ++i) {
          for (std::size_t j = 0; j < pw; ++j) {
            const std::ptrdiff_t h = static_cast<std::ptrdiff_t>(oh * stride + i) - static_cast<std::ptrdiff_t>(pad);
            const std::ptrdiff_t w = static_cast<std::ptrdiff_t>(ow * stride + j) - static_cast<std::ptrdiff_t>(pad);
            if (h < 0 || w < 0 || h >= H || w >= W) continue;
            const std::size_t k = plane * xs[2] * xs[3] + static_cast<std::size_t>(h * W + w);
            if (!found || x[k] > x[best] || (std::isnan(x[k]) && !std::isnan(x[best]))) best = k;
            found = true;
          }
        }
        out.push_back(best);
      }
    }
  }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("max_pool2d: fast kernels agree with the window-by-window definition", "[conv][pool]", float,
                   double) {
  using T = TestType;
  struct Case {
    Shape xs;
    std::size_t ph, pw, stride, pad;
  };
  // The 2x2/stride-2 planes: even widths pool in flat blocks of rows (the book's 24x24; 40x64 takes
  // two blocks, the second partial; 9x24 leaves its last row out), odd widths and planes wider than
  // a block row by row. With AVX-512, float rows go 16 windows at a time: widths 16 and 32 fill one
  // and two vectors exactly, 1026 ends on a single window. Then overlapping, padded and non-square
  // windows.
  const std::vector<Case> cases = {{{1, 1, 6, 16}, 2, 2, 2, 0},  {{1, 2, 4, 32}, 2, 2, 2, 0},
                                   {{3, 2, 8, 10}, 2, 2, 2, 0},  {{2, 3, 24, 24}, 2, 2, 2, 0},
                                   {{1, 2, 40, 64}, 2, 2, 2, 0}, {{2, 2, 9, 24}, 2, 2, 2, 0},
                                   {{1, 1, 4, 1026}, 2, 2, 2, 0}, {{2, 3, 7, 9}, 2, 2, 2, 0},
                                   {{2, 2, 7, 7}, 3, 3, 2, 1},   {{1, 3, 6, 5}, 2, 3, 1, 0},
                                   {{2, 1, 5, 6}, 2, 2, 2, 1},   {{1, 2, 9, 9}, 3, 3, 3, 0}};
  for (const Case& c : cases) {
    for (int variant = 0; variant < 4; ++variant) {
      std::vector<double> v = values(shape_size(c.xs), 7 + variant);
      if (variant == 1 || variant == 2) {  // ties: values on a coarse grid
        for (double& e : v) e = std::round(e * 2) / 2;
      }
      if (variant == 3) {  // ties between 0 and -0 (round(-0.3) is -0): the first one wins, sign and all
        for (double& e : v) e = std::round(e);
      }
      if (variant == 2) {  // NaNs scattered through the planes, including first and last cells
        for (std::size_t k = 0; k < v.size(); k += 13) v[k] = std::nan("");
        v.back() = std::nan("");
      }
      INFO("x " << shape_str(c.xs) << " window " << c.ph << "x" << c.pw << " stride " << c.stride << " pad "
                << c.pad << " variant " << variant);
      auto x = tensor4<T>(c.xs, v, true);
      auto y = max_pool2d(x, c.ph, c.pw, c.stride, c.pad);
      const std::vector<std::size_t> arg = reference_argmax(v, c.xs, c.ph, c.pw, c.stride, c.pad);
      REQUIRE(y.size() == arg.size());
      for (std::size_t k = 0; k < arg.size(); ++k) {
        const T expected = static_cast<T>(v[arg[k]]);
        if (std::isnan(expected)) {
          REQUIRE(std::isnan(y.data().data()[k]));
        } else {
          REQUIRE(y.data().data()[k] == expected);
          REQUIRE(std::signbit(y.data().data()[k]) == std::signbit(expected));
        }
      }
      // Backward routes output k's gradient (k + 1, or -0 for every fifth) to its winner only; every
      // other input gets +0, and so does a winner of -0 (0 + -0 is +0, as the sum into zeros gives).
      Tensor<T> gy = Tensor<T>::from_shape(y.shape());
      for (std::size_t k = 0; k < gy.size(); ++k) gy.data()[k] = k % 5 == 4 ? -T(0) : static_cast<T>(k + 1);
      y.backward(gy);
      std::vector<double> expected_gx(v.size(), 0.0);
      for (std::size_t k = 0; k < arg.size(); ++k) expected_gx[arg[k]] += static_cast<double>(gy.data()[k]);
      for (std::size_t i = 0; i < v.size(); ++i) {
        REQUIRE(x.grad().data().data()[i] == static_cast<T>(expected_gx[i]));
        REQUIRE(std::signbit(x.grad().data().data()[i]) == std::signbit(expected_gx[i]));
      }
      // Without a graph the kernel skips the index but must pool the same values.
      NoGradGuard no_grad;
      const Tensor<T> y2 = max_pool2d(x, c.ph, c.pw, c.stride, c.pad).data();
      for (std::size_t k = 0; k < arg.size(); ++k) {
        const T a = y.data().data()[k], b = y2.data()[k];
        REQUIRE(((std::isnan(a) && std::isnan(b)) || a == b));
      }
    }
  }
}

TEST_CASE("avg_pool2d: values (padding counts as zero) and spread gradients", "[conv][pool]") {
  auto x = tensor4<double>({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, true);
  auto y = avg_pool2d(x, 2, 2, 2);
  require_close(y.data(), {3.5, 5.5}, 1e-15);
  y.backward(Tensor<double>({{{{4, 8}}}}));
  require_close(x.grad().data(), {1, 1, 2, 2, 1, 1, 2, 2}, 1e-15);

  auto one = tensor4<float>({1, 1, 1, 1}, {8});
  auto yp = avg_pool2d(one, 2, 2, 1, 1);  // four windows, each holding the 8 and three padded zeros
  REQUIRE(yp.shape() == Shape{1, 1, 2, 2});
  require_close(yp.data(), {2, 2, 2, 2}, 0);
}

TEST_CASE("conv2d and pooling: errors name the op and the shapes", "[conv][errors]") {
  auto x = zeros<float>({2, 3, 28, 28});
  auto W1 = zeros<float>({30, 1, 5, 5});
  REQUIRE_THROWS_WITH(conv2d(x, W1, zeros<float>({30})),
                      "conv2d: input (N,C,H,W)=(2,3,28,28) but W (FN,C,FH,FW)=(30,1,5,5) expects C=1");
  auto W = zeros<float>({30, 3, 5, 5});
  REQUIRE_THROWS_WITH(conv2d(x, W, zeros<float>({10})),
                      Catch::Contains("conv2d: bias (10)") && Catch::Contains("needs b (30)"));
  REQUIRE_THROWS_WITH(conv2d(zeros<float>({3, 28, 28}), W, Var()), Catch::Contains("conv2d: input (3,28,28) must be 4-D"));
  REQUIRE_THROWS_WITH(conv2d(x, zeros<float>({30, 3, 5}), Var()), Catch::Contains("conv2d: W (30,3,5) must be 4-D"));
  REQUIRE_THROWS_WITH(conv2d(zeros<float>({1, 3, 3, 3}), W, Var()),
                      "conv2d: input (N,C,H,W)=(1,3,3,3) is smaller than the 5x5 window with pad 0");
  REQUIRE_THROWS_WITH(conv2d(x, W, Var(), 0, 0), Catch::Contains("conv2d: stride must be positive"));
  REQUIRE_THROWS_AS(conv2d(x, W, Var(), 0, 0), std::invalid_argument);
  REQUIRE_THROWS_WITH(conv2d_backward_input(zeros<float>({2, 30, 23, 24}), W, {2, 3, 28, 28}, 1, 0),
                      Catch::Contains("conv2d_backward_input: gy (2,30,23,24)") && Catch::Contains("(2,30,24,24)"));
  REQUIRE_THROWS_WITH(max_pool2d(zeros<float>({2, 3, 28}), 2, 2, 2),
                      Catch::Contains("max_pool2d: input (2,3,28) must be 4-D"));
  REQUIRE_THROWS_WITH(max_pool2d(x, 2, 2, 2, 2), Catch::Contains("max_pool2d: pad 2 must be smaller than the 2x2 window"));
  REQUIRE_THROWS_WITH(avg_pool2d(zeros<float>({1, 1, 2, 2}), 3, 3, 1),
                      "avg_pool2d: input (N,C,H,W)=(1,1,2,2) is smaller than the 3x3 window with pad 0");
  REQUIRE_THROWS_WITH(avg_pool2d(x, 0, 2, 1), Catch::Contains("avg_pool2d: window 0x2 must be non-empty"));
}

TEST_CASE("conv2d: the column workspace is reused while shapes repeat", "[conv][buffers]") {
  Generator gen(3);
  Conv2d<float> conv(3, 8, 3, gen, 1, 1);
  auto step = [&](std::size_t n, std::size_t h) {
    auto x = uniform<float>({n, 3, h, 10}, gen, -1, 1, true);
    sum(conv(x)).backward();
  };
  step(4, 12);  // first use may allocate (or grow the buffers of earlier tests)
  const std::size_t allocations = conv_workspace_allocations();
  const float* columns = conv_workspace<float>(1);
  // One sample's columns: C*FH*FW rows, OH*OW columns (the kernels work a sample at a time).
  REQUIRE(conv_workspace_capacity<float>() >= 3 * 9 * 12 * 10);
  for (int i = 0; i < 5; ++i) step(4, 12);
  step(2, 12);   // other batch sizes fit in the same buffer
  step(64, 12);
  REQUIRE(conv_workspace_allocations() == allocations);
  REQUIRE(conv_workspace<float>(1) == columns);

  // Larger images grow the buffer once, then it is stable again.
  const std::size_t big = conv_workspace_capacity<float>() / (3 * 9 * 10) + 1;
  step(2, big);
  const std::size_t after_growth = conv_workspace_allocations();
  REQUIRE(after_growth > allocations);
  step(3, big);
  REQUIRE(conv_workspace_allocations() == after_growth);

  release_conv_workspace();
  REQUIRE(conv_workspace_capacity<float>() == 0);
}

TEST_CASE("conv2d: backward is right after other forwards overwrote the workspace", "[conv][buffers]") {
  Generator gen(4);
  auto W = uniform<double>({2, 2, 3, 3}, gen, -1, 1, true);
  auto x1 = uniform<double>({2, 2, 6, 6}, gen, -1, 1, true);
  auto x2 = uniform<double>({3, 2, 9, 7}, gen, -1, 1);
  // Reference gradients from an undisturbed forward/backward.
  sum(conv2d(x1, W, Var64(), 1, 1) * conv2d(x1, W, Var64(), 1, 1)).backward();
  const Tensor<double> gx_ref = x1.grad().data(), gw_ref = W.grad().data();
  x1.clear_grad();
  W.clear_grad();
  // Same loss, but another, larger convolution runs between the forward and the backward.
  auto y = conv2d(x1, W, Var64(), 1, 1);
  auto loss = sum(y * y);
  auto other = conv2d(x2, W.detach(), Var64(), 2, 0);
  REQUIRE(other.shape() == Shape{3, 2, 4, 3});
  loss.backward();
  for (std::size_t i = 0; i < gx_ref.size(); ++i) REQUIRE(x1.grad().data().data()[i] == Approx(gx_ref.data()[i]).margin(1e-12));
  for (std::size_t i = 0; i < gw_ref.size(); ++i) REQUIRE(W.grad().data().data()[i] == Approx(gw_ref.data()[i]).margin(1e-12));
}

TEST_CASE("Conv2d, MaxPool2d, AvgPool2d, Flatten modules", "[conv][nn]") {
  Generator gen(1);
  Conv2d<float> conv(16, 32, 3, gen, 1, 1);
  REQUIRE(conv.W.shape() == Shape{32, 16, 3, 3});
  REQUIRE(conv.b.shape() == Shape{32});
  const auto named = conv.named_parameters();
  REQUIRE(named.size() == 2);
  REQUIRE(named[0].first == "W");
  REQUIRE(named[1].first == "b");
  REQUIRE(conv.describe() == "Conv2d(16 -> 32, 3x3, stride 1, pad 1)");
  // He init: std sqrt(2 / (C*FH*FW)) = sqrt(2/144) = 0.1179 over 4608 draws.
  double s2 = 0;
  for (float w : conv.W.data()) s2 += double(w) * w;
  REQUIRE(std::sqrt(s2 / conv.W.size()) == Approx(std::sqrt(2.0 / 144)).epsilon(0.05));
  for (float v : conv.b.data()) REQUIRE(v == 0.f);
  Conv2d<double> rect(2, 3, 2, 4, gen, 2, 1);
  REQUIRE(rect.W.shape() == Shape{3, 2, 2, 4});
  REQUIRE(rect(zeros<double>({1, 2, 5, 6})).shape() == Shape{1, 3, 3, 3});
  REQUIRE_THROWS_AS(Conv2d<float>(0, 4, 3, gen), std::invalid_argument);

  auto x = uniform<float>({2, 16, 8, 6}, gen, -1, 1);
  auto y = conv(x);
  REQUIRE(y.shape() == Shape{2, 32, 8, 6});
  MaxPool2d<float> mp(2, 2, 2);
  AvgPool2d<float> ap(2, 2, 2);
  Flatten<float> fl;
  auto pooled = mp(y);
  REQUIRE(pooled.shape() == Shape{2, 32, 4, 3});
  const bool same_max = pooled.data() == max_pool2d(y, 2, 2, 2).data();  // xtensor == is a bool for whole arrays
  const bool same_avg = ap(y).data() == avg_pool2d(y, 2, 2, 2).data();
  REQUIRE(same_max);
  REQUIRE(same_avg);
  REQUIRE(fl(pooled).shape() == Shape{2, 32 * 4 * 3});
  REQUIRE(mp.describe() == "MaxPool2d(2x2, stride 2, pad 0)");
  REQUIRE(mp.named_parameters().empty());
}
