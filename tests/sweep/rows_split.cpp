// Gradcheck rows for ops/split: the multi-output ops (split, chunk, unbind) with every output used,
// with an output unused (its gradient arrives undefined and must read as zero) and with outputs
// used nonlinearly, so the backward's one buffer is checked against central differences; and
// stack, select and their backward ops.
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> split_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  rows.push_back({"split (2,7) axis 1 (2,3,2) all outputs", {{2, 7}}, joined_outputs([](const Vs& v) {
                    return split(v[0], {2, 3, 2}, 1);
                  })});
  rows.push_back({"split (5,2) axis 0 (1,0,4) empty piece", {{5, 2}}, joined_outputs([](const Vs& v) {
                    return split(v[0], {1, 0, 4}, 0);
                  })});
  rows.push_back({"split (2,6) piece 1 unused, p0*p2", {{2, 6}}, [](const Vs& v) {
                    const Vs p = split(v[0], {2, 2, 2}, -1);
                    return mul(p[0], p[2]);
                  }});
  rows.push_back({"chunk (3,8) 4 gates axis 1, i*g+f*o", {{3, 8}}, [](const Vs& v) {
                    const Vs g = chunk(v[0], 4, 1);
                    return add(mul(sigmoid(g[0]), tanh(g[2])), mul(g[1], g[3]));
                  }});
  rows.push_back({"chunk (5,3) 2 axis 0 uneven", {{5, 3}}, joined_outputs([](const Vs& v) {
                    return chunk(v[0], 2, 0);
                  })});
  rows.push_back({"split_backward (2,2),-,(2,1) -> (2,5)", {{2, 2}, {2, 1}}, [](const Vs& v) {
                    return split_backward<double>({v[0], Var64(), v[1]}, {2, 2, 1}, 1, {2, 5});
                  }});
  rows.push_back({"unbind (2,3,2) axis 1 all outputs", {{2, 3, 2}}, joined_outputs([](const Vs& v) {
                    return unbind(v[0], 1);
                  })});
  rows.push_back({"unbind (3,2) axis 0 step 1 unused, p0*p2", {{3, 2}}, [](const Vs& v) {
                    const Vs p = unbind(v[0], 0);
                    return mul(p[0], p[2]);
                  }});
  rows.push_back({"stack 3x(2,2) axis 1", {{2, 2}, {2, 2}, {2, 2}}, [](const Vs& v) {
                    return stack<double>({v[0], v[1], v[2]}, 1);
                  }});
  rows.push_back({"stack 2x(3) axis -1, squared", {{3}, {3}}, [](const Vs& v) {
                    const Var64 s = stack<double>({v[0], v[1]}, -1);
                    return mul(s, s);
                  }});
  rows.push_back({"stack x with itself axis 0", {{2, 3}}, [](const Vs& v) { return stack<double>({v[0], v[0]}, 0); }});
  rows.push_back({"select (2,4,3) axis 1 index 2", {{2, 4, 3}}, [](const Vs& v) { return select(v[0], 1, 2); }});
  rows.push_back({"select (3,2) axis -1 index 0, squared", {{3, 2}}, [](const Vs& v) {
                    const Var64 s = select(v[0], -1, 0);
                    return mul(s, s);
                  }});
  rows.push_back({"select_backward (2,3) -> (2,4,3) index 1", {{2, 3}}, [](const Vs& v) {
                    return select_backward(v[0], 1, 1, {2, 4, 3});
                  }});
  return rows;
}

}  // namespace sweep
