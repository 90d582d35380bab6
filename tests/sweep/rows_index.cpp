// Gradcheck rows for ops/index: index_select with repeated indices (the backward must add both
// contributions), n-d indices (an embedding lookup), a middle axis, and index_add on its own.
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> index_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  rows.push_back({"index_select (5,3) axis 0 ids (2,3) dup", {{5, 3}}, [](const Vs& v) {
                    return index_select(v[0], 0, IndexTensor{{4, 0, 4}, {1, 1, 2}});
                  }});
  rows.push_back({"index_select (2,4,3) axis 1 ids (3), squared", {{2, 4, 3}}, [](const Vs& v) {
                    const Var64 y = index_select(v[0], 1, IndexTensor{3, 0, 3});
                    return mul(y, y);
                  }});
  rows.push_back({"index_add (2,3,2) axis 1 ids (3) -> 4", {{2, 3, 2}}, [](const Vs& v) {
                    return index_add(v[0], 1, IndexTensor{2, 2, 0}, 4);
                  }});
  return rows;
}

}  // namespace sweep
