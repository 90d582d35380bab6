// Gradcheck rows for ops/reduction: sum and mean over all elements, over one axis (first, last,
// negative, middle), over several axes (contiguous and not), with and without keepdims, on 0-d,
// 2-D and 3-D inputs; max and min along each kind of axis on inputs without ties.
#include <algorithm>
#include <numeric>

#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

namespace {

using Vs = std::vector<Var64>;

// Replaces each input by a permutation of distinct, evenly spaced values (0.1 apart, so far wider
// than the finite-difference step) in the order of the drawn values: max/min then have no ties.
void distinct(Vs& inputs) {
  for (auto& v : inputs) {
    Tensor<double>& t = v.data();
    std::vector<std::size_t> order(t.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return t.data()[a] < t.data()[b]; });
    for (std::size_t k = 0; k < order.size(); ++k) {
      t.data()[order[k]] = 0.1 * (static_cast<double>(k) - static_cast<double>(order.size()) / 2.0);
    }
  }
}

}  // namespace

std::vector<Row> reduction_rows() {
  std::vector<Row> rows;
  rows.push_back({"sum all (N,D) -> ()", {{3, 4}}, [](const Vs& v) { return sum(v[0]); }});
  rows.push_back({"sum all (2,3,4) -> ()", {{2, 3, 4}}, [](const Vs& v) { return sum(v[0]); }});
  rows.push_back({"sum all () -> ()", {{}}, [](const Vs& v) { return sum(v[0]); }});
  rows.push_back({"sum axis 0 (N,D) -> (D)", {{3, 4}}, [](const Vs& v) { return sum(v[0], {0}); }});
  rows.push_back({"sum axis 1 (N,D) -> (N)", {{3, 4}}, [](const Vs& v) { return sum(v[0], {1}); }});
  rows.push_back({"sum axis -1 keepdims (N,D) -> (N,1)", {{3, 4}},
                  [](const Vs& v) { return sum(v[0], {-1}, true); }});
  rows.push_back({"sum axis 1 (2,3,4) middle -> (2,4)", {{2, 3, 4}}, [](const Vs& v) { return sum(v[0], {1}); }});
  rows.push_back({"sum axes {1,2} keepdims (2,3,4) -> (2,1,1)", {{2, 3, 4}},
                  [](const Vs& v) { return sum(v[0], {1, 2}, true); }});
  rows.push_back({"sum axes {0,2} non-contiguous (2,3,4) -> (3)", {{2, 3, 4}},
                  [](const Vs& v) { return sum(v[0], {0, 2}); }});
  rows.push_back({"sum axes {0,-1} keepdims (2,3,4) -> (1,3,1)", {{2, 3, 4}},
                  [](const Vs& v) { return sum(v[0], {0, -1}, true); }});
  rows.push_back({"mean all (N,D) -> ()", {{3, 4}}, [](const Vs& v) { return mean(v[0]); }});
  rows.push_back({"mean axis 0 (N,D) -> (D)", {{3, 4}}, [](const Vs& v) { return mean(v[0], {0}); }});
  rows.push_back({"mean axis -1 keepdims (2,3,4) -> (2,3,1)", {{2, 3, 4}},
                  [](const Vs& v) { return mean(v[0], {-1}, true); }});
  rows.push_back({"mean axes {0,2} (2,3,4) -> (3)", {{2, 3, 4}}, [](const Vs& v) { return mean(v[0], {0, 2}); }});

  rows.push_back({"max axis 0 (N,D) -> (D)", {{3, 4}}, [](const Vs& v) { return max(v[0], 0); }, -1.0, 1.0,
                  distinct});
  rows.push_back({"max axis 1 keepdims (N,D) -> (N,1)", {{3, 4}}, [](const Vs& v) { return max(v[0], 1, true); },
                  -1.0, 1.0, distinct});
  rows.push_back({"max axis -1 (2,3,4) -> (2,3)", {{2, 3, 4}}, [](const Vs& v) { return max(v[0], -1); }, -1.0,
                  1.0, distinct});
  rows.push_back({"max axis 1 keepdims (2,3,4) -> (2,1,4)", {{2, 3, 4}},
                  [](const Vs& v) { return max(v[0], 1, true); }, -1.0, 1.0, distinct});
  rows.push_back({"max axis 0 (20) long row -> ()", {{20}}, [](const Vs& v) { return max(v[0], 0); }, -1.0, 1.0,
                  distinct});
  rows.push_back({"min axis 0 (N,D) -> (D)", {{3, 4}}, [](const Vs& v) { return min(v[0], 0); }, -1.0, 1.0,
                  distinct});
  rows.push_back({"min axis -1 keepdims (2,3,4) -> (2,3,1)", {{2, 3, 4}},
                  [](const Vs& v) { return min(v[0], -1, true); }, -1.0, 1.0, distinct});
  rows.push_back({"min axis 1 (2,3,20) long rows -> (2,20)", {{2, 3, 20}}, [](const Vs& v) { return min(v[0], 1); },
                  -1.0, 1.0, distinct});

  // Composites that use keepdims the way softmax and normalisation do.
  rows.push_back({"logsumexp: log(sum(exp(x - max), -1)) + max", {{3, 5}},
                  [](const Vs& v) {
                    const Var64 m = max(v[0], -1, true);
                    return log(sum(exp(v[0] - m), {-1}, true)) + m;
                  },
                  -1.0, 1.0, distinct});
  rows.push_back({"centre: x - mean(x, 0, keepdims)", {{4, 3}},
                  [](const Vs& v) { return square(v[0] - mean(v[0], {0}, true)); }});
  return rows;
}

}  // namespace sweep
