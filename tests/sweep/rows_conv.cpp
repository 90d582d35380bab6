// Gradcheck rows for ops/conv and ops/pooling: conv2d with stride 1/2, pad 0/1, several channels,
// filters and images, non-square inputs and kernels, with and without bias; its two backward ops
// on their own; max pooling on distinct inputs (no ties, so the argmax cannot flip under the
// finite-difference step); average pooling with and without padding; the fused convolution +
// max pooling.
#include <algorithm>
#include <numeric>

#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

namespace {

// Overwrites every input with a seeded permutation of evenly spaced values in [-1, 1): all
// distinct, at least 2/n apart, far more than the gradcheck step.
void distinct(std::vector<Var64>& v) {
  Generator gen(99);
  for (auto& x : v) {
    const std::size_t n = x.size();
    std::vector<std::size_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    for (std::size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[static_cast<std::size_t>(gen.uniform_int(i))]);
    double* p = x.data().data();
    for (std::size_t i = 0; i < n; ++i) p[i] = -1.0 + 2.0 * (static_cast<double>(perm[i]) + 0.5) / static_cast<double>(n);
  }
}

}  // namespace

std::vector<Row> conv_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  // x (N,C,H,W), W (FN,C,FH,FW), b (FN).
  rows.push_back({"conv2d s1 p0 x(2,2,5,4) W(3,2,3,3)", {{2, 2, 5, 4}, {3, 2, 3, 3}, {3}},
                  [](const Vs& v) { return conv2d(v[0], v[1], v[2], 1, 0); }});
  rows.push_back({"conv2d s1 p1 x(2,3,4,5) W(2,3,3,3)", {{2, 3, 4, 5}, {2, 3, 3, 3}, {2}},
                  [](const Vs& v) { return conv2d(v[0], v[1], v[2], 1, 1); }});
  rows.push_back({"conv2d s2 p0 x(2,2,7,6) W(3,2,3,2)", {{2, 2, 7, 6}, {3, 2, 3, 2}, {3}},
                  [](const Vs& v) { return conv2d(v[0], v[1], v[2], 2, 0); }});
  rows.push_back({"conv2d s2 p1 x(3,2,5,6) W(4,2,3,3)", {{3, 2, 5, 6}, {4, 2, 3, 3}, {4}},
                  [](const Vs& v) { return conv2d(v[0], v[1], v[2], 2, 1); }});
  rows.push_back({"conv2d s3 p2 x(1,2,6,5) W(2,2,2,3) (wide pad)", {{1, 2, 6, 5}, {2, 2, 2, 3}, {2}},
                  [](const Vs& v) { return conv2d(v[0], v[1], v[2], 3, 2); }});
  rows.push_back({"conv2d no bias x(2,1,4,4) W(2,1,2,2)", {{2, 1, 4, 4}, {2, 1, 2, 2}},
                  [](const Vs& v) { return conv2d(v[0], v[1], Var64(), 1, 0); }});
  rows.push_back({"conv2d -> conv2d (reused x path)", {{1, 2, 6, 6}, {3, 2, 3, 3}, {3}, {2, 3, 2, 2}},
                  [](const Vs& v) { return conv2d(conv2d(v[0], v[1], v[2], 1, 1), v[3], Var64(), 2, 0); }});
  // The backward ops as ops in their own right (their backwards are conv ops).
  rows.push_back({"conv2d_backward_input gy(2,3,3,3) W(3,2,3,3) s2 p1", {{2, 3, 3, 3}, {3, 2, 3, 3}},
                  [](const Vs& v) { return conv2d_backward_input(v[0], v[1], {2, 2, 5, 6}, 2, 1); }});
  rows.push_back({"conv2d_backward_weight x(2,2,5,6) gy(2,3,3,3) s2 p1", {{2, 2, 5, 6}, {2, 3, 3, 3}},
                  [](const Vs& v) { return conv2d_backward_weight(v[0], v[1], {3, 2, 3, 3}, 2, 1); }});

  Row mp{"max_pool2d 2x2 s2 x(2,3,4,6)", {{2, 3, 4, 6}}, [](const Vs& v) { return max_pool2d(v[0], 2, 2, 2); }};
  mp.prepare = distinct;
  rows.push_back(mp);
  Row mp2{"max_pool2d 3x3 s2 p1 x(2,2,5,5) (overlapping)", {{2, 2, 5, 5}},
          [](const Vs& v) { return max_pool2d(v[0], 3, 3, 2, 1); }};
  mp2.prepare = distinct;
  rows.push_back(mp2);
  Row mp3{"max_pool2d 2x3 s1 x(1,2,4,5) (non-square)", {{1, 2, 4, 5}},
          [](const Vs& v) { return max_pool2d(v[0], 2, 3, 1); }};
  mp3.prepare = distinct;
  rows.push_back(mp3);

  rows.push_back({"avg_pool2d 2x2 s2 x(2,3,4,6)", {{2, 3, 4, 6}}, [](const Vs& v) { return avg_pool2d(v[0], 2, 2, 2); }});
  rows.push_back({"avg_pool2d 3x3 s1 p1 x(1,2,4,5)", {{1, 2, 4, 5}},
                  [](const Vs& v) { return avg_pool2d(v[0], 3, 3, 1, 1); }});
  Row chain{"conv2d -> max_pool2d -> flatten -> linear", {{2, 1, 6, 6}, {2, 1, 3, 3}, {2}, {8, 3}, {3}},
            [](const Vs& v) {
              return linear(flatten(max_pool2d(conv2d(v[0], v[1], v[2], 1, 0), 2, 2, 2)), v[3], v[4]);
            }};
  // Distinct image values; with a generic random filter the pooled conv outputs are then separated
  // by far more than the finite-difference step moves them.
  chain.prepare = [](std::vector<Var64>& v) {
    std::vector<Var64> first{v[0]};
    distinct(first);
  };
  rows.push_back(chain);

  // The fused convolution + max pooling: distinct images, generic random filters (as the chain).
  auto distinct_images = [](std::vector<Var64>& v) {
    std::vector<Var64> first{v[0]};
    distinct(first);
  };
  Row cp{"conv2d_max_pool2d s1 p0 pool 2x2 s2 x(2,1,6,6) W(2,1,3,3)", {{2, 1, 6, 6}, {2, 1, 3, 3}, {2}},
         [](const Vs& v) { return conv2d_max_pool2d(v[0], v[1], v[2], 1, 0, 2, 2, 2); }};
  cp.prepare = distinct_images;
  rows.push_back(cp);
  Row cp2{"conv2d_max_pool2d s2 p1 pool 3x3 s2 p1 x(2,2,7,6) W(3,2,3,3) (overlapping)",
          {{2, 2, 7, 6}, {3, 2, 3, 3}, {3}},
          [](const Vs& v) { return conv2d_max_pool2d(v[0], v[1], v[2], 2, 1, 3, 3, 2, 1); }};
  cp2.prepare = distinct_images;
  rows.push_back(cp2);
  Row cp3{"conv2d_max_pool2d no bias pool 2x3 s1 x(1,2,5,5) W(2,2,2,2)", {{1, 2, 5, 5}, {2, 2, 2, 2}},
          [](const Vs& v) { return conv2d_max_pool2d(v[0], v[1], Var64(), 1, 0, 2, 3, 1); }};
  cp3.prepare = distinct_images;
  rows.push_back(cp3);
  // With the ReLU: a negative bias cuts off some outputs, so the routing that skips them is checked
  // too (generic values keep every output clear of the kink at 0).
  Row cpr{"conv2d_max_pool2d_relu s1 p0 pool 2x2 s2 x(2,1,6,6) W(2,1,3,3) b<0", {{2, 1, 6, 6}, {2, 1, 3, 3}, {2}},
          [](const Vs& v) { return conv2d_max_pool2d_relu(v[0], v[1], v[2], 1, 0, 2, 2, 2); }};
  cpr.prepare = [distinct_images](std::vector<Var64>& v) {
    distinct_images(v);
    v[2].data() -= 0.6;
  };
  rows.push_back(cpr);
  return rows;
}

}  // namespace sweep
