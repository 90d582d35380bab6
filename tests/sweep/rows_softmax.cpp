// Gradcheck rows for ops/softmax: both ops over the last axis (the row-loop path), a leading axis
// and a middle axis (the lane path), and 1-D.
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> softmax_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  rows.push_back({"softmax (3,5) axis -1", {{3, 5}}, [](const Vs& v) { return softmax(v[0]); }, -2.0, 2.0});
  rows.push_back({"softmax (3,5) axis 0", {{3, 5}}, [](const Vs& v) { return softmax(v[0], 0); }, -2.0, 2.0});
  rows.push_back({"softmax (2,3,4) axis 1", {{2, 3, 4}}, [](const Vs& v) { return softmax(v[0], 1); }, -2.0, 2.0});
  rows.push_back({"softmax (6)", {{6}}, [](const Vs& v) { return softmax(v[0]); }, -2.0, 2.0});
  rows.push_back({"log_softmax (3,5) axis -1", {{3, 5}}, [](const Vs& v) { return log_softmax(v[0]); }, -2.0, 2.0});
  rows.push_back({"log_softmax (3,5) axis 0", {{3, 5}}, [](const Vs& v) { return log_softmax(v[0], 0); }, -2.0, 2.0});
  rows.push_back(
      {"log_softmax (2,3,4) axis 1", {{2, 3, 4}}, [](const Vs& v) { return log_softmax(v[0], 1); }, -2.0, 2.0});
  // Large shifted logits: the max subtraction must keep the gradient exact.
  rows.push_back({"softmax (2,4) logits near 50", {{2, 4}}, [](const Vs& v) { return softmax(v[0]); }, 49.0, 51.0});
  return rows;
}

}  // namespace sweep
