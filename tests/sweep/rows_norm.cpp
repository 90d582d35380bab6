// Gradient-check rows for batch norm and dropout.
//
// Batch norm: every row uses a batch of N = 4 (or N·H·W > 1 values per channel), since a single
// value per channel makes x̂ = 0 and the x gradient vanish. Note Σ_i batch_norm(x)_i has a ZERO
// gradient with respect to x (each channel's outputs sum to N·β_c whatever x is), so a check of a
// plain sum would test nothing: gradcheck projects a non-scalar output onto a seeded random r
// (entries ±[0.5,1.5)), and one row also multiplies by a fixed random tensor explicitly.
// Dropout: always with a FIXED mask, so repeated forward calls of the numerical check see the
// same function.
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> norm_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;

  rows.push_back({"batch_norm (N,D)=(4,3) x,gamma,beta", {{4, 3}, {3}, {3}},
                  [](const Vs& v) { return batch_norm(v[0], v[1], v[2]); }, -2.0, 2.0});
  rows.push_back({"batch_norm (N,C,H,W)=(4,2,3,3) x,gamma,beta", {{4, 2, 3, 3}, {2}, {2}},
                  [](const Vs& v) { return batch_norm(v[0], v[1], v[2]); }, -2.0, 2.0});
  rows.push_back({"batch_norm (N,D)=(4,5) eps 1e-3", {{4, 5}, {5}, {5}},
                  [](const Vs& v) { return batch_norm(v[0], v[1], v[2], 1e-3); }, -2.0, 2.0});
  // Explicit weighted sum: a scalar output, so gradcheck differentiates exactly this function.
  rows.push_back({"sum(batch_norm (4,3) * fixed W)", {{4, 3}, {3}, {3}},
                  [](const Vs& v) {
                    Generator g(99);
                    const Var64 w = uniform<double>({4, 3}, g, 0.5, 1.5);
                    return sum(batch_norm(v[0], v[1], v[2]) * w);
                  },
                  -2.0, 2.0});
  // Batch norm between two nonlinear ops, as inside a network.
  rows.push_back({"tanh(batch_norm(x W)) (4,3)x(3,3)", {{4, 3}, {3, 3}, {3}, {3}},
                  [](const Vs& v) { return tanh(batch_norm(matmul(v[0], v[1]), v[2], v[3])); }, -1.0, 1.0});
  rows.push_back({"batch_norm_eval (N,C,H,W)=(2,3,2,2) fixed stats", {{2, 3, 2, 2}, {3}, {3}},
                  [](const Vs& v) {
                    const Tensor<double> mean = {0.1, -0.2, 0.3};
                    const Tensor<double> var = {0.5, 1.5, 2.0};
                    return batch_norm_eval(v[0], v[1], v[2], mean, var);
                  }});
  rows.push_back({"batch_norm_eval (N,D)=(1,4) batch of one", {{1, 4}, {4}, {4}},
                  [](const Vs& v) {
                    const Tensor<double> mean = {0.1, -0.2, 0.3, 0.0};
                    const Tensor<double> var = {0.5, 1.5, 2.0, 1.0};
                    return batch_norm_eval(v[0], v[1], v[2], mean, var);
                  }});

  rows.push_back({"dropout fixed mask (4,5) ratio 0.3", {{4, 5}},
                  [](const Vs& v) {
                    Generator g(7);
                    return dropout(v[0], dropout_mask<double>({4, 5}, 0.3, g), 0.3);
                  }});
  rows.push_back({"dropout fixed mask (2,3,2,2) ratio 0.5 then square", {{2, 3, 2, 2}},
                  [](const Vs& v) {
                    Generator g(8);
                    return square(dropout(v[0], dropout_mask<double>({2, 3, 2, 2}, 0.5, g), 0.5));
                  }});
  return rows;
}

}  // namespace sweep
