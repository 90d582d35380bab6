// Gradcheck rows for ops/compare: where with a fixed mask and each broadcasting pattern, maximum and
// minimum with inputs kept apart (a tie is a kink a central difference would straddle).
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

namespace {
// b = a + (±0.3 alternating): a and b never tie and the winner alternates.
void separate(std::vector<Var64>& v) {
  double* a = v[0].data().data();
  double* b = v[1].data().data();
  for (std::size_t k = 0; k < v[0].size(); ++k) b[k] = a[k] + (k % 2 ? 0.3 : -0.3);
}
}  // namespace

std::vector<Row> compare_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  rows.push_back({"where (2,3) mask, a, b", {{2, 3}, {2, 3}}, [](const Vs& v) {
                    return where(Mask{{true, false, true}, {false, false, true}}, v[0], v[1]);
                  }});
  rows.push_back({"where (2,3) mask, a (3), b () broadcast, squared", {{3}, {}}, [](const Vs& v) {
                    const Var64 y = where(Mask{{true, false, true}, {false, true, true}}, v[0], v[1]);
                    return mul(y, y);
                  }});
  rows.push_back({"where mask (3) broadcast over a, b (2,3)", {{2, 3}, {2, 3}}, [](const Vs& v) {
                    return where(Mask{false, true, true}, v[0], v[1]);
                  }});
  Row mx{"maximum (2,3),(2,3) apart, squared", {{2, 3}, {2, 3}}, [](const Vs& v) {
           const Var64 y = maximum(v[0], v[1]);
           return mul(y, y);
         }};
  mx.prepare = separate;
  rows.push_back(mx);
  Row mn{"minimum (2,3),(2,3) apart", {{2, 3}, {2, 3}}, [](const Vs& v) { return minimum(v[0], v[1]); }};
  mn.prepare = separate;
  rows.push_back(mn);
  // A broadcast threshold: b (1,3) against a (4,3) drawn from a range b's values avoid.
  Row clip{"maximum (4,3) vs (1,3) broadcast", {{4, 3}, {1, 3}}, [](const Vs& v) { return maximum(v[0], v[1]); }};
  clip.prepare = [](std::vector<Var64>& v) {
    double* b = v[1].data().data();
    b[0] = 0.05, b[1] = -0.45, b[2] = 0.55;
    double* a = v[0].data().data();
    for (std::size_t k = 0; k < v[0].size(); ++k) a[k] = -0.9 + 0.2 * static_cast<double>(k);  // -0.9..1.3, step 0.2
  };
  rows.push_back(clip);
  return rows;
}

}  // namespace sweep
