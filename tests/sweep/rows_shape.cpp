// Gradcheck rows for ops/shape: every data-moving op, including duplicate indices in gather_rows
// (whose backward must accumulate) and the ops that only appear as others' backwards
// (scatter_add_rows, pad_axis).
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> shape_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  rows.push_back({"reshape (2,3,4)->(6,-1)", {{2, 3, 4}}, [](const Vs& v) { return reshape(v[0], {6, -1}); }});
  rows.push_back({"reshape (2,3)->Shape(3,2) then *x'", {{2, 3}, {3, 2}}, [](const Vs& v) {
                    return mul(reshape(v[0], Shape{3, 2}), v[1]);
                  }});
  rows.push_back({"transpose (3,4)", {{3, 4}}, [](const Vs& v) { return transpose(v[0]); }});
  rows.push_back({"transpose (40,33) tiled", {{40, 33}}, [](const Vs& v) { return transpose(v[0]); }});
  rows.push_back({"permute (2,3,4) axes (2,0,1)", {{2, 3, 4}}, [](const Vs& v) { return permute(v[0], {2, 0, 1}); }});
  rows.push_back({"permute (2,3,2,2) NCHW->NHWC", {{2, 3, 2, 2}}, [](const Vs& v) {
                    return permute(v[0], {0, 2, 3, 1});
                  }});
  rows.push_back({"flatten (2,3,2,2) from 1", {{2, 3, 2, 2}}, [](const Vs& v) { return flatten(v[0]); }});
  rows.push_back({"flatten (2,3,4) from 0", {{2, 3, 4}}, [](const Vs& v) { return flatten(v[0], 0); }});
  rows.push_back({"gather_rows (4,3) dup idx {2,0,2,3}", {{4, 3}}, [](const Vs& v) {
                    return gather_rows(v[0], {2, 0, 2, 3});
                  }});
  rows.push_back({"gather_rows (4,2,2) idx {1,1,1}", {{4, 2, 2}}, [](const Vs& v) {
                    return gather_rows(v[0], {1, 1, 1});
                  }});
  rows.push_back({"scatter_add_rows (4,3) idx {1,1,0,3} -> 5", {{4, 3}}, [](const Vs& v) {
                    return scatter_add_rows(v[0], {1, 1, 0, 3}, 5);
                  }});
  rows.push_back({"slice (3,5) axis 1 [1,4)", {{3, 5}}, [](const Vs& v) { return slice(v[0], 1, 1, 4); }});
  rows.push_back({"slice (4,3) axis 0 [2,4)", {{4, 3}}, [](const Vs& v) { return slice(v[0], 0, 2, 4); }});
  rows.push_back({"slice (2,4,3) axis -2 [1,3)", {{2, 4, 3}}, [](const Vs& v) { return slice(v[0], -2, 1, 3); }});
  rows.push_back({"pad_axis (2,3) axis -1 (1,2)", {{2, 3}}, [](const Vs& v) { return pad_axis(v[0], -1, 1, 2); }});
  rows.push_back({"concat (2,3),(2,1),(2,2) axis 1", {{2, 3}, {2, 1}, {2, 2}}, [](const Vs& v) {
                    return concat<double>({v[0], v[1], v[2]}, 1);
                  }});
  rows.push_back({"concat (1,3),(2,3) axis 0", {{1, 3}, {2, 3}}, [](const Vs& v) {
                    return concat<double>({v[0], v[1]}, 0);
                  }});
  rows.push_back({"concat x with itself axis 0", {{2, 3}}, [](const Vs& v) {
                    return concat<double>({v[0], v[0]}, 0);
                  }});
  // Nonlinear use of moved data, so the second input's gradient depends on the first's values.
  rows.push_back({"slice*gather composite", {{4, 3}}, [](const Vs& v) {
                    return mul(slice(v[0], 0, 0, 2), gather_rows(v[0], {3, 3}));
                  }});
  return rows;
}

}  // namespace sweep
