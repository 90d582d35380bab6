// Gradcheck rows for ops/arithmetic: every binary op on equal shapes and on each broadcast pattern
// the backward must undo with sum_to, the scalar variants, the operators and a diamond graph.
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> arithmetic_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  // Binary ops on equal shapes and on the broadcast patterns of a bias (N,D)+(D), an outer
  // product (N,1)*(1,D) and a 0-d scalar against a matrix.
  const std::vector<std::pair<std::string, std::vector<Shape>>> patterns = {
      {"(N,D)x(N,D)", {{3, 4}, {3, 4}}},
      {"(N,D)x(D)", {{3, 4}, {4}}},
      {"(D)x(N,D)", {{4}, {3, 4}}},
      {"(N,1)x(1,D)", {{3, 1}, {1, 4}}},
      {"()x(N,D)", {{}, {3, 4}}},
      {"(N,D)x()", {{3, 4}, {}}},
      {"(2,1,4)x(3,1)", {{2, 1, 4}, {3, 1}}},
  };
  for (const auto& [label, shapes] : patterns) {
    rows.push_back({"add " + label, shapes, [](const Vs& v) { return add(v[0], v[1]); }});
    rows.push_back({"sub " + label, shapes, [](const Vs& v) { return sub(v[0], v[1]); }});
    rows.push_back({"mul " + label, shapes, [](const Vs& v) { return mul(v[0], v[1]); }});
    // Both operands positive and away from 0 so 1/b is smooth and well scaled.
    rows.push_back({"div " + label, shapes, [](const Vs& v) { return div(v[0], v[1]); }, 0.5, 2.0});
  }

  rows.push_back({"neg (N,D)", {{3, 4}}, [](const Vs& v) { return neg(v[0]); }});
  // Positive base: x^c with non-integer c is undefined for x < 0.
  rows.push_back({"pow x^3 (N,D)", {{3, 4}}, [](const Vs& v) { return pow(v[0], 3.0); }});
  rows.push_back({"pow x^2.5 (N,D)", {{3, 4}}, [](const Vs& v) { return pow(v[0], 2.5); }, 0.5, 2.0});
  rows.push_back({"pow x^-1.5 (N,D)", {{3, 4}}, [](const Vs& v) { return pow(v[0], -1.5); }, 0.5, 2.0});
  rows.push_back({"pow x^2 ()", {{}}, [](const Vs& v) { return pow(v[0], 2.0); }});

  rows.push_back({"add_scalar (N,D)", {{3, 4}}, [](const Vs& v) { return add_scalar(v[0], 2.5); }});
  rows.push_back({"mul_scalar (N,D)", {{3, 4}}, [](const Vs& v) { return mul_scalar(v[0], -1.5); }});
  rows.push_back({"rsub_scalar (N,D)", {{3, 4}}, [](const Vs& v) { return rsub_scalar(v[0], 2.0); }});
  rows.push_back({"rdiv_scalar (N,D)", {{3, 4}}, [](const Vs& v) { return rdiv_scalar(v[0], 3.0); }, 0.5, 2.0});

  // Operators, including every scalar-on-either-side overload, chained in one expression.
  rows.push_back({"operators a+b-a*b/c", {{3, 4}, {4}, {3, 1}},
                  [](const Vs& v) { return v[0] + v[1] - v[0] * v[1] / v[2]; }, 0.5, 2.0});
  rows.push_back({"operators scalars 2+x, x+2, 2-x, x-2", {{2, 3}},
                  [](const Vs& v) { return (2.0 + v[0]) * (v[0] + 2.0) * (2.0 - v[0]) * (v[0] - 2.0); }});
  rows.push_back({"operators scalars 2*x, x*2, 2/x, x/2, -x", {{2, 3}},
                  [](const Vs& v) { return (2.0 * v[0]) * (v[0] * 2.0) + (2.0 / v[0]) * (v[0] / 2.0) - (-v[0]); },
                  0.5, 2.0});

  // Diamond: x feeds two branches that meet again; both contributions must accumulate (2x+1).
  rows.push_back({"diamond x*x+x", {{3, 4}}, [](const Vs& v) { return v[0] * v[0] + v[0]; }});
  // The same variable in both operands of a broadcasting op and again downstream.
  rows.push_back({"reuse b in (x+b)*b", {{3, 4}, {4}}, [](const Vs& v) { return (v[0] + v[1]) * v[1]; }});

  // The shape-of-another-variable forms the backward functions use; the target also enters the
  // product, so its gradient is checked too.
  rows.push_back({"sum_to_like (2,3,4)->(3,1) *t", {{2, 3, 4}, {3, 1}},
                  [](const Vs& v) { return mul(sum_to_like(v[0], v[1]), v[1]); }});
  rows.push_back({"broadcast_to_like (3,1)->(2,3,4) *t", {{3, 1}, {2, 3, 4}},
                  [](const Vs& v) { return mul(broadcast_to_like(v[0], v[1]), v[1]); }});
  return rows;
}

}  // namespace sweep
