// Gradcheck rows for ops/elementwise: every op on a matrix (some also on 0-d and 3-D inputs), a
// chained composite, and the second derivatives of the smooth ops through grad(create_graph).
// Inputs stay away from kinks (relu/abs at 0, clip at its bounds) and poles (log, sqrt near 0).
#include <cmath>
#include <initializer_list>

#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

namespace {

using Vs = std::vector<Var64>;

// Moves every input value within `margin` of a kink at one of `points` to outside that window,
// keeping its side, so central differences never straddle a kink.
std::function<void(Vs&)> away_from(std::initializer_list<double> points, double margin = 0.1) {
  const std::vector<double> ps(points);
  return [ps, margin](Vs& inputs) {
    for (auto& v : inputs) {
      for (double& x : v.data()) {
        for (double p : ps) {
          if (std::abs(x - p) < margin) x += x >= p ? margin : -margin;
        }
      }
    }
  };
}

// d/dx of sum(f(x)) with create_graph: an elementwise f'(x) whose own gradient is f''(x).
template <typename F>
Var64 derivative(F f, const Var64& x) {
  return minidl::grad(sum(f(x)), x, /*create_graph=*/true);
}

}  // namespace

std::vector<Row> elementwise_rows() {
  std::vector<Row> rows;
  rows.push_back({"exp (N,D)", {{3, 4}}, [](const Vs& v) { return exp(v[0]); }, -2.0, 2.0});
  rows.push_back({"exp () 0-d", {{}}, [](const Vs& v) { return exp(v[0]); }, -2.0, 2.0});
  rows.push_back({"log (N,D) on [0.5,2)", {{3, 4}}, [](const Vs& v) { return log(v[0]); }, 0.5, 2.0});
  rows.push_back({"sqrt (N,D) on [0.5,2)", {{3, 4}}, [](const Vs& v) { return sqrt(v[0]); }, 0.5, 2.0});
  rows.push_back({"tanh (N,D)", {{3, 4}}, [](const Vs& v) { return tanh(v[0]); }, -3.0, 3.0});
  rows.push_back({"sigmoid (N,D) both tails", {{3, 4}}, [](const Vs& v) { return sigmoid(v[0]); }, -6.0, 6.0});
  rows.push_back({"sigmoid (2,3,4) 3-D", {{2, 3, 4}}, [](const Vs& v) { return sigmoid(v[0]); }, -3.0, 3.0});
  rows.push_back({"relu (N,D) |x|>=0.1", {{4, 5}}, [](const Vs& v) { return relu(v[0]); }, -1.0, 1.0,
                  away_from({0.0})});
  rows.push_back({"relu (2,3,4) 3-D |x|>=0.1", {{2, 3, 4}}, [](const Vs& v) { return relu(v[0]); }, -1.0, 1.0,
                  away_from({0.0})});
  rows.push_back({"abs (N,D) |x|>=0.1", {{4, 5}}, [](const Vs& v) { return abs(v[0]); }, -1.0, 1.0,
                  away_from({0.0})});
  // [-1,1) against [-0.5,0.5]: about half the elements are clipped (gradient 0), half pass (1).
  rows.push_back({"clip (N,D) to [-0.5,0.5]", {{4, 5}}, [](const Vs& v) { return clip(v[0], -0.5, 0.5); }, -1.0,
                  1.0, away_from({-0.5, 0.0, 0.5})});
  rows.push_back({"square (N,D)", {{3, 4}}, [](const Vs& v) { return square(v[0]); }, -2.0, 2.0});
  rows.push_back({"chain sigmoid(tanh(x))*relu(x)+sqrt(abs(x))", {{3, 4}},
                  [](const Vs& v) { return sigmoid(tanh(v[0])) * relu(v[0]) + sqrt(abs(v[0])); }, -2.0, 2.0,
                  away_from({0.0}, 0.3)});

  // Second derivatives: each backward is built from Variable ops, so its gradient must be f''.
  rows.push_back({"exp'' via grad(create_graph)", {{3, 4}},
                  [](const Vs& v) { return derivative([](const Var64& x) { return exp(x); }, v[0]); }, -2.0, 2.0});
  rows.push_back({"log'' via grad(create_graph)", {{3, 4}},
                  [](const Vs& v) { return derivative([](const Var64& x) { return log(x); }, v[0]); }, 0.5, 2.0});
  rows.push_back({"sqrt'' via grad(create_graph)", {{3, 4}},
                  [](const Vs& v) { return derivative([](const Var64& x) { return sqrt(x); }, v[0]); }, 0.5, 2.0});
  rows.push_back({"tanh'' via grad(create_graph)", {{3, 4}},
                  [](const Vs& v) { return derivative([](const Var64& x) { return tanh(x); }, v[0]); }, -2.0, 2.0});
  rows.push_back({"sigmoid'' via grad(create_graph)", {{3, 4}},
                  [](const Vs& v) { return derivative([](const Var64& x) { return sigmoid(x); }, v[0]); }, -4.0,
                  4.0});
  rows.push_back({"square'' via grad(create_graph)", {{3, 4}},
                  [](const Vs& v) { return derivative([](const Var64& x) { return square(x); }, v[0]); }, -2.0, 2.0});
  // relu' is a constant mask, but multiplying it by a smooth factor keeps the row informative:
  // d/dx [relu'(x) * x²] = relu'(x) * 2x.
  rows.push_back({"relu' * x^2 via grad(create_graph)", {{3, 4}},
                  [](const Vs& v) { return derivative([](const Var64& x) { return relu(x); }, v[0]) * square(v[0]); },
                  -1.0, 1.0, away_from({0.0})});
  return rows;
}

}  // namespace sweep
