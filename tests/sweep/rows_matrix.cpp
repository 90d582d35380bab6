// Gradcheck rows for ops/matrix: matmul with every transpose-flag combination, batched 3-D, the
// fused linear layer on 2-D, (...,D) and (N,...) inputs, addmm, and matmul_as, the in-place
// matrix reading linear's gradients use.
#include "minidl/detail/matmul_as.hpp"
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> matrix_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  // op(a) is (M,K)=(3,4), op(b) is (K,N)=(4,5); the stored shapes follow the flags.
  rows.push_back({"matmul (3,4)x(4,5)", {{3, 4}, {4, 5}}, [](const Vs& v) { return matmul(v[0], v[1]); }});
  rows.push_back({"matmul aT (4,3)x(4,5)", {{4, 3}, {4, 5}},
                  [](const Vs& v) { return matmul(v[0], v[1], true, false); }});
  rows.push_back({"matmul bT (3,4)x(5,4)", {{3, 4}, {5, 4}},
                  [](const Vs& v) { return matmul(v[0], v[1], false, true); }});
  rows.push_back({"matmul aT bT (4,3)x(5,4)", {{4, 3}, {5, 4}},
                  [](const Vs& v) { return matmul(v[0], v[1], true, true); }});
  rows.push_back({"addmm (3,5)+(3,4)x(4,5)", {{3, 5}, {3, 4}, {4, 5}},
                  [](const Vs& v) { return addmm(v[0], v[1], v[2]); }});
  rows.push_back({"matmul vector-like (1,4)x(4,1)", {{1, 4}, {4, 1}}, [](const Vs& v) { return matmul(v[0], v[1]); }});

  rows.push_back({"matmul batched (2,3,4)x(2,4,5)", {{2, 3, 4}, {2, 4, 5}},
                  [](const Vs& v) { return matmul(v[0], v[1]); }});
  rows.push_back({"matmul batched aT (2,4,3)x(2,4,5)", {{2, 4, 3}, {2, 4, 5}},
                  [](const Vs& v) { return matmul(v[0], v[1], true, false); }});
  rows.push_back({"matmul batched bT (2,3,4)x(2,5,4)", {{2, 3, 4}, {2, 5, 4}},
                  [](const Vs& v) { return matmul(v[0], v[1], false, true); }});
  rows.push_back({"matmul batched aT bT (2,4,3)x(2,5,4)", {{2, 4, 3}, {2, 5, 4}},
                  [](const Vs& v) { return matmul(v[0], v[1], true, true); }});

  rows.push_back({"linear x(4,3) W(3,5) b(5)", {{4, 3}, {3, 5}, {5}},
                  [](const Vs& v) { return linear(v[0], v[1], v[2]); }});
  rows.push_back({"linear (...,D): x(2,3,4) W(4,5) b(5)", {{2, 3, 4}, {4, 5}, {5}},
                  [](const Vs& v) { return linear(v[0], v[1], v[2]); }});
  rows.push_back({"linear (N,...): x(2,2,1,3) W(6,4) b(4)", {{2, 2, 1, 3}, {6, 4}, {4}},
                  [](const Vs& v) { return linear(v[0], v[1], v[2]); }});
  // matmul_as with every flag combination, each tensor read as a matrix across its own axes:
  // op(A) (3,4) · op(B) (4,2) -> (3,2), stored in yet another shape.
  using detail::MatrixView;
  rows.push_back({"matmul_as (3,2,2) as (3,4) x (2,2,2) as (4,2) -> (3,1,2)", {{3, 2, 2}, {2, 2, 2}},
                  [](const Vs& v) {
                    return detail::matmul_as(v[0], MatrixView{3, 4}, v[1], MatrixView{4, 2}, false, false,
                                             TensorShape{3, 1, 2});
                  }});
  rows.push_back({"matmul_as aT (2,2,3) as (4,3) x (2,4,1) as (4,2) -> (6)", {{2, 2, 3}, {2, 4, 1}},
                  [](const Vs& v) {
                    return detail::matmul_as(v[0], MatrixView{4, 3}, v[1], MatrixView{4, 2}, true, false,
                                             TensorShape{6});
                  }});
  rows.push_back({"matmul_as bT (3,2,2) as (3,4) x (1,2,4) as (2,4) -> (3,2)", {{3, 2, 2}, {1, 2, 4}},
                  [](const Vs& v) {
                    return detail::matmul_as(v[0], MatrixView{3, 4}, v[1], MatrixView{2, 4}, false, true,
                                             TensorShape{3, 2});
                  }});
  rows.push_back({"matmul_as aT bT (2,2,3) as (4,3) x (2,1,4) as (2,4) -> (2,3)", {{2, 2, 3}, {2, 1, 4}},
                  [](const Vs& v) {
                    return detail::matmul_as(v[0], MatrixView{4, 3}, v[1], MatrixView{2, 4}, true, true,
                                             TensorShape{2, 3});
                  }});
  // Matmul feeding itself: the same W twice (a reused module's weight).
  rows.push_back({"matmul reuse (x W) W", {{2, 3}, {3, 3}}, [](const Vs& v) { return matmul(matmul(v[0], v[1]), v[1]); }});
  // A two-layer composition, so gradients pass through linear into linear.
  rows.push_back({"linear -> linear", {{4, 3}, {3, 5}, {5}, {5, 2}, {2}},
                  [](const Vs& v) { return linear(linear(v[0], v[1], v[2]), v[3], v[4]); }});
  return rows;
}

}  // namespace sweep
