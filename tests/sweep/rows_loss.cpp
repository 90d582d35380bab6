// Gradcheck rows for ops/loss. Labels are fixed and captured in the lambdas; cross-entropy inputs
// are probabilities in [0.1, 1), away from the log's pole at 0.
#include <cmath>

#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

namespace {

// Rewrites a drawn (N,C) input into rows that are positive and sum to 1 (soft targets).
void normalize_rows(Var64& t) {
  auto& d = t.data();
  const std::size_t c = d.shape().back(), n = d.size() / c;
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::size_t j = 0; j < c; ++j) s += (d.data()[i * c + j] = std::abs(d.data()[i * c + j]) + 0.1);
    for (std::size_t j = 0; j < c; ++j) d.data()[i * c + j] /= s;
  }
}

}  // namespace

std::vector<Row> loss_rows() {
  using Vs = std::vector<Var64>;
  const std::vector<std::size_t> labels = {2, 0, 4, 4};
  std::vector<Row> rows;
  rows.push_back(
      {"sum_squared_error (4,5)", {{4, 5}, {4, 5}}, [](const Vs& v) { return sum_squared_error(v[0], v[1]); }});
  rows.push_back(
      {"mean_squared_error (4,5)", {{4, 5}, {4, 5}}, [](const Vs& v) { return mean_squared_error(v[0], v[1]); }});
  rows.push_back({"cross_entropy_error one-hot (4,5) y and t",
                  {{4, 5}, {4, 5}},
                  [](const Vs& v) { return cross_entropy_error(v[0], v[1]); },
                  0.1,
                  1.0});
  rows.push_back({"cross_entropy_error one-hot (5) y and t",
                  {{5}, {5}},
                  [](const Vs& v) { return cross_entropy_error(v[0], v[1]); },
                  0.1,
                  1.0});
  rows.push_back({"cross_entropy_error labels (4,5)",
                  {{4, 5}},
                  [labels](const Vs& v) { return cross_entropy_error(v[0], labels); },
                  0.1,
                  1.0});
  rows.push_back({"cross_entropy_error label (5)",
                  {{5}},
                  [](const Vs& v) { return cross_entropy_error(v[0], std::vector<std::size_t>{3}); },
                  0.1,
                  1.0});
  rows.push_back({"softmax_cross_entropy labels (4,5)",
                  {{4, 5}},
                  [labels](const Vs& v) { return softmax_cross_entropy(v[0], labels); },
                  -2.0,
                  2.0});
  rows.push_back({"softmax_cross_entropy label (5)",
                  {{5}},
                  [](const Vs& v) { return softmax_cross_entropy(v[0], std::vector<std::size_t>{1}); },
                  -2.0,
                  2.0});
  Row soft{"softmax_cross_entropy soft targets (4,5) logits and t",
           {{4, 5}, {4, 5}},
           [](const Vs& v) { return softmax_cross_entropy(v[0], v[1]); },
           -2.0,
           2.0};
  soft.prepare = [](std::vector<Var64>& v) { normalize_rows(v[1]); };
  rows.push_back(soft);
  // Targets whose rows do not sum to 1 (and may be negative): exercises the general Σt term.
  rows.push_back({"softmax_cross_entropy raw targets (3,4)",
                  {{3, 4}, {3, 4}},
                  [](const Vs& v) { return softmax_cross_entropy(v[0], v[1]); },
                  -2.0,
                  2.0});
  // Sequences: (N,T,V) logits with (N,T) integer ids, padding positions ignored (no loss, no
  // gradient), the mean over kept positions only.
  rows.push_back({"softmax_cross_entropy (2,3,4) ids (2,3) 2 ignored",
                  {{2, 3, 4}},
                  [](const Vs& v) { return softmax_cross_entropy(v[0], IndexTensor{{3, 0, -100}, {1, -100, 2}}); },
                  -2.0,
                  2.0});
  rows.push_back({"softmax_cross_entropy (3,5) ids (3) ignore_index 4",
                  {{3, 5}},
                  [](const Vs& v) { return softmax_cross_entropy(v[0], IndexTensor{4, 1, 0}, 4); },
                  -2.0,
                  2.0});
  return rows;
}

}  // namespace sweep
