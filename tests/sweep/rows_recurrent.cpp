// Gradcheck rows for ops/recurrent: affine2, the fused LSTM and GRU gate ops with both outputs,
// with one output unused (its gradient arrives undefined), their backward ops on their own (so
// gradgradcheck reaches the hand-written second derivatives' own derivatives), and a two-step
// unrolled LSTM cell whose state flows from one step into the next, and the whole-sequence LSTM
// op and its backward op.
#include "sweep/sweep.hpp"

namespace sweep {

using namespace minidl;

std::vector<Row> recurrent_rows() {
  using Vs = std::vector<Var64>;
  std::vector<Row> rows;
  rows.push_back({"affine2 (2,3)(3,8)+(2,2)(2,8)+(8)", {{2, 3}, {3, 8}, {2, 2}, {2, 8}, {8}}, [](const Vs& v) {
                    return affine2(v[0], v[1], v[2], v[3], v[4]);
                  }});
  rows.push_back({"lstm_gates A (2,8) c (2,2) both outputs", {{2, 8}, {2, 2}}, joined_outputs([](const Vs& v) {
                    return lstm_gates(v[0], v[1]);
                  })});
  rows.push_back({"lstm_gates h' only, squared", {{3, 4}, {3, 1}}, [](const Vs& v) {
                    const Var64 h = lstm_gates(v[0], v[1])[0];
                    return mul(h, h);
                  }});
  rows.push_back({"lstm_gates c' only, squared", {{2, 8}, {2, 2}}, [](const Vs& v) {
                    const Var64 c = lstm_gates(v[0], v[1])[1];
                    return mul(c, c);
                  }});
  rows.push_back({"lstm_gates_backward gh,gc,A,c", {{2, 2}, {2, 2}, {2, 8}, {2, 2}}, joined_outputs([](const Vs& v) {
                    return lstm_gates_backward(v[0], v[1], v[2], v[3]);
                  })});
  rows.push_back({"lstm_gates_backward gh undefined", {{2, 2}, {2, 8}, {2, 2}}, joined_outputs([](const Vs& v) {
                    return lstm_gates_backward(Var64(), v[0], v[1], v[2]);
                  })});
  rows.push_back({"lstm cell x2 steps (affine2 + lstm_gates)", {{2, 3}, {3, 8}, {2, 8}, {8}}, [](const Vs& v) {
                    Var64 h = zeros<double>({2, 2}), c = zeros<double>({2, 2});
                    for (int t = 0; t < 2; ++t) {
                      const Vs hc = lstm_gates(affine2(mul_scalar(v[0], t + 1.0), v[1], h, v[2], v[3]), c);
                      h = hc[0];
                      c = hc[1];
                    }
                    return add(h, c);
                  }});
  rows.push_back({"lstm_sequence T=3 N=2 H=2, all outputs", {{6, 8}, {2, 8}, {2, 2}, {2, 2}},
                  joined_outputs([](const Vs& v) { return lstm_sequence(v[0], v[1], v[2], v[3]); })});
  rows.push_back({"lstm_sequence Y only, squared", {{4, 4}, {1, 4}, {2, 1}, {2, 1}}, [](const Vs& v) {
                    const Var64 y = lstm_sequence(v[0], v[1], v[2], v[3])[0];
                    return mul(y, y);
                  }});
  rows.push_back({"lstm_sequence_backward T=2 N=2 H=1", {{4, 1}, {2, 1}, {2, 1}, {4, 4}, {1, 4}, {2, 1}, {2, 1}},
                  joined_outputs([](const Vs& v) {
                    return lstm_sequence_backward(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
                  })});
  rows.push_back({"gru_gates Ax,Ah (2,6) h (2,2)", {{2, 6}, {2, 6}, {2, 2}}, [](const Vs& v) {
                    return gru_gates(v[0], v[1], v[2]);
                  }});
  rows.push_back({"gru_gates_backward gy,Ax,Ah,h", {{2, 2}, {2, 6}, {2, 6}, {2, 2}}, joined_outputs([](const Vs& v) {
                    return gru_gates_backward(v[0], v[1], v[2], v[3]);
                  })});
  rows.push_back({"gru cell x2 steps, squared", {{2, 3}, {3, 6}, {2, 6}, {6}}, [](const Vs& v) {
                    Var64 h = zeros<double>({2, 2});
                    const Var64 bh = zeros<double>({6});
                    for (int t = 0; t < 2; ++t) {
                      const Var64 x = mul_scalar(v[0], t + 1.0);
                      h = gru_gates(linear(x, v[1], v[3]), linear(h, v[2], bh), h);
                    }
                    return mul(h, h);
                  }});
  // The modules: each row builds its layer from a fixed seed (same weights every call) and checks
  // the gradient reaching the sequence and the initial state through every time step and layer.
  rows.push_back({"LSTM layer 2 layers batch_first x (2,3,2), h0, c0", {{2, 3, 2}, {2, 2, 2}, {2, 2, 2}},
                  [](const Vs& v) {
                    Generator gen(21);
                    LSTM<double> lstm(2, 2, gen, {2, true, 0.0});
                    auto [y, s] = lstm(v[0], {v[1], v[2]});
                    return concat<double>({reshape(y, {-1}), reshape(s[1], {-1})}, 0);
                  }});
  rows.push_back({"GRU layer 2 layers x (3,2,2), h0", {{3, 2, 2}, {2, 2, 3}}, [](const Vs& v) {
                    Generator gen(22);
                    GRU<double> gru(2, 3, gen, {2, false, 0.0});
                    return gru(v[0], {v[1]}).first;
                  }});
  rows.push_back({"RNN layer x (3,2,2), h0", {{3, 2, 2}, {1, 2, 3}}, [](const Vs& v) {
                    Generator gen(23);
                    RNN<double> rnn(2, 3, gen);
                    return rnn(v[0], {v[1]}).first;
                  }});
  rows.push_back({"Embedding + Linear(...,D) + seq loss", {{5, 3}, {3, 4}}, [](const Vs& v) {
                    const Var64 e = index_select(v[0], 0, IndexTensor{{1, 4, 1}, {0, 2, 3}});  // (2,3,3)
                    const Var64 logits = reshape(matmul(reshape(e, {6, 3}), v[1]), {2, 3, 4});
                    return softmax_cross_entropy(logits, IndexTensor{{3, -100, 0}, {1, 2, 2}});
                  }});
  return rows;
}

}  // namespace sweep
