// im2col / col2im micro-benchmark: the library's kernels (detail/im2col.cpp) against the previous
// implementation, kept here only as the baseline (one memcpy plus two std::fill calls per output
// row segment). Runs of the two alternate back to back, so machine noise hits both alike; prints the
// time per call of each and the ratio new/old (median and range over the rounds). Times are the
// thread's CPU time, not wall time: on a shared machine a wall-clock block that is preempted counts
// another process's work. Both results are checked bit for bit against each other before any timing.
//   build/minidl_bench_im2col [--rounds 15] [--min-ms 20]
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>
#include <time.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <minidl/detail/im2col.hpp>

#include "../timing.hpp"

using minidl::ConvGeometry;

namespace baseline {

// The previous kernels, verbatim in behaviour: one call per (row of col, image row) segment.
inline void valid_range(const ConvGeometry& g, std::ptrdiff_t kw, std::ptrdiff_t& lo, std::ptrdiff_t& hi) {
  const std::ptrdiff_t s = static_cast<std::ptrdiff_t>(g.stride);
  const std::ptrdiff_t off = kw - static_cast<std::ptrdiff_t>(g.pad);
  const std::ptrdiff_t ow_n = static_cast<std::ptrdiff_t>(g.OW);
  const std::ptrdiff_t w = static_cast<std::ptrdiff_t>(g.W);
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = w - off <= 0 ? 0 : (w - off - 1) / s + 1;
  lo = std::min(lo, ow_n);
  hi = std::max(lo, std::min(hi, ow_n));
}

template <typename Body>
void sweep(const ConvGeometry& g, Body&& body) {
  const std::size_t P = g.OH * g.OW, NP = g.N * P, HW = g.H * g.W;
  const std::ptrdiff_t H = static_cast<std::ptrdiff_t>(g.H);
  for (std::size_t c = 0; c < g.C; ++c)
    for (std::size_t kh = 0; kh < g.FH; ++kh)
      for (std::size_t kw = 0; kw < g.FW; ++kw) {
        const std::size_t r = (c * g.FH + kh) * g.FW + kw;
        std::ptrdiff_t lo, hi;
        valid_range(g, static_cast<std::ptrdiff_t>(kw), lo, hi);
        const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(kw) - static_cast<std::ptrdiff_t>(g.pad);
        for (std::size_t n = 0; n < g.N; ++n) {
          const std::size_t plane = (n * g.C + c) * HW;
          for (std::size_t oh = 0; oh < g.OH; ++oh) {
            const std::ptrdiff_t ih =
                static_cast<std::ptrdiff_t>(oh * g.stride + kh) - static_cast<std::ptrdiff_t>(g.pad);
            const std::size_t seg = r * NP + n * P + oh * g.OW;
            const bool in = ih >= 0 && ih < H;
            body(seg, in ? static_cast<std::ptrdiff_t>(plane) + ih * static_cast<std::ptrdiff_t>(g.W) : -1, lo, hi,
                 off);
          }
        }
      }
}

// noinline: the library's kernels are called across a translation unit too.
__attribute__((noinline)) void im2col(const float* x, const ConvGeometry& g, float* col) {
  const std::size_t s = g.stride, OW = g.OW;
  sweep(g, [&](std::size_t seg, std::ptrdiff_t row, std::ptrdiff_t lo, std::ptrdiff_t hi, std::ptrdiff_t off) {
    float* d = col + seg;
    if (row < 0) {
      std::fill(d, d + OW, 0.f);
      return;
    }
    const float* xr = x + row;
    std::fill(d, d + lo, 0.f);
    if (s == 1) {
      if (hi > lo) std::memcpy(d + lo, xr + lo + off, static_cast<std::size_t>(hi - lo) * sizeof(float));
    } else {
      const std::ptrdiff_t st = static_cast<std::ptrdiff_t>(s);
      for (std::ptrdiff_t ow = lo; ow < hi; ++ow) d[ow] = xr[ow * st + off];
    }
    std::fill(d + hi, d + OW, 0.f);
  });
}

__attribute__((noinline)) void col2im(const float* col, const ConvGeometry& g, float* x) {
  const std::ptrdiff_t s = static_cast<std::ptrdiff_t>(g.stride);
  sweep(g, [&](std::size_t seg, std::ptrdiff_t row, std::ptrdiff_t lo, std::ptrdiff_t hi, std::ptrdiff_t off) {
    if (row < 0) return;
    const float* d = col + seg;
    float* xr = x + row;
    if (s == 1) {
      for (std::ptrdiff_t ow = lo; ow < hi; ++ow) xr[ow + off] += d[ow];
    } else {
      for (std::ptrdiff_t ow = lo; ow < hi; ++ow) xr[ow * s + off] += d[ow];
    }
  });
}

}  // namespace baseline

namespace {

struct Case {
  const char* name;  // where the geometry comes from
  std::size_t C, H, W, F, stride, pad;
};

// One image per call, as ops/conv.cpp calls the kernels.
const Case kCases[] = {
    {"W3 conv1 (SimpleConvNet)", 1, 28, 28, 5, 1, 0},
    {"DeepConvNet conv2", 16, 28, 28, 3, 1, 1},
    {"DeepConvNet conv3", 32, 14, 14, 3, 1, 1},
    {"stride 2, pad 1 (generic path)", 16, 28, 28, 3, 2, 1},
};

// Deterministic, distinct values (bit patterns must survive the copy).
std::vector<float> filled(std::size_t n, std::uint32_t seed) {
  std::vector<float> v(n);
  std::uint32_t s = seed;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(static_cast<std::int32_t>(s >> 8) - (1 << 23)) / static_cast<float>(1 << 23);
  }
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// CPU seconds used by the calling thread so far.
double cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Calls per timed block so that a block lasts about min_ms.
template <typename F>
std::size_t calibrate(F&& call, double min_ms) {
  std::size_t k = 1;
  for (;;) {
    const double t0 = cpu_s();
    for (std::size_t i = 0; i < k; ++i) call();
    const double ms = (cpu_s() - t0) * 1e3;
    if (ms >= min_ms || k >= (std::size_t{1} << 24)) return k;
    k *= ms < min_ms / 8 ? 8 : 2;
  }
}

struct Result {
  bench::Stats old_us, new_us, ratio;
};

// Alternates old and new blocks (which one goes first alternates too) and returns per-call times.
template <typename Old, typename New>
Result compare(Old&& old_call, New&& new_call, std::size_t rounds, double min_ms) {
  const std::size_t k = calibrate(old_call, min_ms);
  auto block = [&](auto& call) {
    const double t0 = cpu_s();
    for (std::size_t i = 0; i < k; ++i) call();
    return (cpu_s() - t0) * 1e6 / static_cast<double>(k);
  };
  block(old_call);
  block(new_call);
  std::vector<double> o, n, r;
  for (std::size_t i = 0; i < rounds; ++i) {
    double to, tn;
    if (i % 2 == 0) {
      to = block(old_call);
      tn = block(new_call);
    } else {
      tn = block(new_call);
      to = block(old_call);
    }
    o.push_back(to);
    n.push_back(tn);
    r.push_back(tn / to);
  }
  return {bench::summarize(o), bench::summarize(n), bench::summarize(r)};
}

void print(const char* kernel, const Result& r) {
  std::cout << "  " << std::left << std::setw(7) << kernel << std::right << std::fixed << std::setprecision(2)
            << " old " << std::setw(8) << r.old_us.median << " us  new " << std::setw(8) << r.new_us.median
            << " us  new/old " << std::setprecision(3) << r.ratio.median << " (" << r.ratio.min << "-" << r.ratio.max
            << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"im2col/col2im: library kernels vs the previous implementation, per call (one image)"};
  std::size_t rounds = 15;
  double min_ms = 20;
  app.add_option("--rounds", rounds, "alternating old/new rounds per kernel")->check(CLI::PositiveNumber);
  app.add_option("--min-ms", min_ms, "length of one timed block in ms")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  bool identical = true;
  for (const Case& c : kCases) {
    const ConvGeometry g = minidl::conv_geometry("bench", {1, c.C, c.H, c.W}, c.F, c.F, c.stride, c.pad);
    const std::size_t cols = g.col_rows() * g.col_cols(), pixels = c.C * c.H * c.W;
    std::cout << c.name << ": x (1," << c.C << "," << c.H << "," << c.W << "), " << c.F << "x" << c.F << " stride "
              << c.stride << " pad " << c.pad << ", col (" << g.col_rows() << "," << g.col_cols() << ")\n";

    const std::vector<float> x = filled(pixels, 1), gcol = filled(cols, 2);
    std::vector<float> col_old(cols, 7.f), col_new(cols, -7.f), x_old(pixels, 0.f), x_new(pixels, 0.f);
    baseline::im2col(x.data(), g, col_old.data());
    minidl::im2col(x.data(), g, col_new.data());
    baseline::col2im(gcol.data(), g, x_old.data());
    minidl::col2im(gcol.data(), g, x_new.data());
    if (!same_bits(col_old, col_new) || !same_bits(x_old, x_new)) {
      std::cout << "  RESULTS DIFFER between old and new kernels\n";
      identical = false;
      continue;
    }
    print("im2col", compare([&] { baseline::im2col(x.data(), g, col_old.data()); },
                            [&] { minidl::im2col(x.data(), g, col_new.data()); }, rounds, min_ms));
    // col2im accumulates: the growing values do not change its cost.
    print("col2im", compare([&] { baseline::col2im(gcol.data(), g, x_old.data()); },
                            [&] { minidl::col2im(gcol.data(), g, x_new.data()); }, rounds, min_ms));
  }
  return identical ? 0 : 1;
}
