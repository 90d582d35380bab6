// Recurrent modules: the fused RNN/LSTM/GRU cells against oracles composed from primitive ops
// (values and every gradient), unrolled layers against hand-unrolled cells, batch_first, stacked
// layers, dropout between layers, state passing and truncated BPTT, Embedding and Linear on (...,D).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The book's LSTM step from primitive ops: the oracle for the fused cell.
std::vector<Var64> lstm_oracle(const Var64& x, const Var64& h, const Var64& c, const LSTMCell<double>& cell) {
  const Var64 A = add(add(matmul(x, cell.Wx), matmul(h, cell.Wh)), cell.b);
  const std::size_t H = c.shape()[1];
  const Var64 i = sigmoid(slice(A, 1, 0, H)), f = sigmoid(slice(A, 1, H, 2 * H));
  const Var64 g = tanh(slice(A, 1, 2 * H, 3 * H)), o = sigmoid(slice(A, 1, 3 * H, 4 * H));
  const Var64 cn = add(mul(f, c), mul(i, g));
  return {mul(o, tanh(cn)), cn};
}

Var64 gru_oracle(const Var64& x, const Var64& h, const GRUCell<double>& cell) {
  const Var64 Ax = linear(x, cell.Wx, cell.bx), Ah = linear(h, cell.Wh, cell.bh);
  const std::size_t H = h.shape()[1];
  auto part = [&](const Var64& v, std::size_t k) { return slice(v, 1, k * H, (k + 1) * H); };
  const Var64 r = sigmoid(add(part(Ax, 0), part(Ah, 0))), z = sigmoid(add(part(Ax, 1), part(Ah, 1)));
  const Var64 n = tanh(add(part(Ax, 2), mul(r, part(Ah, 2))));
  return add(mul(rsub_scalar(z, 1.0), n), mul(z, h));
}

// Gradients of sum(w ⊙ out) with respect to vars, for a fixed random w.
std::vector<Var64> grads_of(const Var64& out, const std::vector<Var64>& vars) {
  Generator gen(11);
  const Var64 w = uniform<double>(out.shape(), gen, 0.5, 1.5);
  return grad<double>({sum(mul(out, w))}, vars, {}, false, true);
}

void check_same(const std::vector<Var64>& a, const std::vector<Var64>& b, double tol) {
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    INFO("gradient " << k << ": max abs diff " << max_abs_diff(a[k], b[k]));
    CHECK(allclose(a[k], b[k], tol, tol));
  }
}

}  // namespace

TEST_CASE("LSTMCell: fused cell equals the cell composed from ops, values and all gradients", "[rnn][lstm]") {
  Generator gen(1);
  LSTMCell<double> cell(3, 4, gen);
  const Var64 x = uniform<double>({2, 3}, gen, -1, 1, true), h = uniform<double>({2, 4}, gen, -1, 1, true),
              c = uniform<double>({2, 4}, gen, -1, 1, true);
  auto [y, state] = cell(x, {h, c});
  const std::vector<Var64> ref = lstm_oracle(x, h, c, cell);
  CHECK(allclose(state[0], ref[0], 1e-13, 1e-13));
  CHECK(allclose(state[1], ref[1], 1e-13, 1e-13));
  CHECK(y.node() == state[0].node());
  const std::vector<Var64> vars{x, h, c, cell.Wx, cell.Wh, cell.b};
  check_same(grads_of(add(state[0], mul_scalar(state[1], 0.5)), vars),
             grads_of(add(ref[0], mul_scalar(ref[1], 0.5)), vars), 1e-12);
  // Only h' used (c' unused: its gradient arrives undefined in the fused backward).
  check_same(grads_of(state[0], vars), grads_of(ref[0], vars), 1e-12);
}

TEST_CASE("GRUCell and RNNCell equal their composed oracles", "[rnn][gru]") {
  Generator gen(2);
  GRUCell<double> gru(3, 2, gen);
  RNNCell<double> rnn(3, 2, gen);
  const Var64 x = uniform<double>({4, 3}, gen, -1, 1, true), h = uniform<double>({4, 2}, gen, -1, 1, true);
  const Var64 g = gru(x, {h}).first, g_ref = gru_oracle(x, h, gru);
  CHECK(allclose(g, g_ref, 1e-13, 1e-13));
  const std::vector<Var64> gv{x, h, gru.Wx, gru.Wh, gru.bx, gru.bh};
  check_same(grads_of(g, gv), grads_of(g_ref, gv), 1e-12);
  const Var64 r = rnn(x, {h}).first, r_ref = tanh(add(add(matmul(x, rnn.Wx), matmul(h, rnn.Wh)), rnn.b));
  CHECK(allclose(r, r_ref, 1e-13, 1e-13));
  const std::vector<Var64> rv{x, h, rnn.Wx, rnn.Wh, rnn.b};
  check_same(grads_of(r, rv), grads_of(r_ref, rv), 1e-12);
}

TEST_CASE("cells start from zeros and reject wrong shapes with the shapes named", "[rnn][errors]") {
  Generator gen(3);
  LSTMCell<float> cell(3, 4, gen);
  const Var x = uniform<float>({2, 3}, gen);
  auto [y, s] = cell(x, {});
  CHECK(y.shape() == Shape{2, 4});
  REQUIRE(s.size() == 2);
  try {
    cell(uniform<float>({2, 5}, gen), {});
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "LSTMCell: x is (2,5), expected (N,3)"));
  }
  try {
    cell(x, {zeros<float>({2, 4})});
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "LSTMCell: state has 1 tensors, expected 2"));
  }
  CHECK_THROWS_AS(cell(x, {zeros<float>({3, 4}), zeros<float>({3, 4})}), std::invalid_argument);
}

TEST_CASE("LSTM layer: 2 layers equal hand-unrolled cells; batch_first is a transpose", "[rnn][lstm]") {
  Generator gen(4);
  LSTM<double> lstm(3, 2, gen, {2, false, 0.0});
  Generator same(4);
  LSTM<double> lstm_bf(3, 2, same, {2, true, 0.0});  // same seed: same weights
  const Var64 x = uniform<double>({5, 2, 3}, gen, -1, 1);  // (T,N,D)
  auto [y, state] = lstm(x, {});
  REQUIRE(y.shape() == Shape{5, 2, 2});
  REQUIRE(state.size() == 2);
  CHECK(state[0].shape() == Shape{2, 2, 2});
  // Oracle: the cells by hand.
  std::vector<Var64> seq = unbind(x, 0);
  for (std::size_t l = 0; l < 2; ++l) {
    State<double> s;
    for (auto& step : seq) {
      auto out = (*lstm.cells[l])(step, s);
      step = out.first;
      s = out.second;
    }
    CHECK(allclose(select(state[0], 0, l), s[0], 1e-14, 1e-14));
    CHECK(allclose(select(state[1], 0, l), s[1], 1e-14, 1e-14));
  }
  CHECK(allclose(y, stack(seq, 0), 1e-14, 1e-14));
  auto [y_bf, state_bf] = lstm_bf(permute(x, {1, 0, 2}), {});
  CHECK(y_bf.shape() == Shape{2, 5, 2});
  CHECK(allclose(permute(y_bf, {1, 0, 2}), y, 1e-14, 1e-14));
  CHECK(allclose(state_bf[1], state[1], 1e-14, 1e-14));
  CHECK(lstm.describe() == "LSTM(3 -> 2, layers=2)");
  CHECK(lstm.named_parameters()[0].first == "cell0.Wx");
  CHECK(lstm.parameters().size() == 6);
}

TEST_CASE("step_projected from project_input equals the cell's forward, values and gradients", "[rnn]") {
  Generator gen(12);
  LSTMCell<double> lstm(3, 2, gen);
  GRUCell<double> gru(3, 2, gen);
  RNNCell<double> rnn(3, 2, gen);
  const Var64 x = uniform<double>({4, 3}, gen, -1, 1, true);
  const State<double> s2{uniform<double>({4, 2}, gen, -1, 1, true), uniform<double>({4, 2}, gen, -1, 1, true)};
  const State<double> s1{s2[0]};
  auto check = [&](StatefulModule<double>& cell, auto& concrete, const State<double>& s) {
    const Var64 direct = cell(x, s).first;
    const Var64 split_path = concrete.step_projected(concrete.project_input(x), s).first;
    CHECK(allclose(direct, split_path, 1e-14, 1e-15));
    const std::vector<Var64> wrt = {x, s[0]};
    const auto g1 = grad<double>({sum(mul(direct, direct))}, wrt);
    const auto g2 = grad<double>({sum(mul(split_path, split_path))}, wrt);
    for (std::size_t k = 0; k < wrt.size(); ++k) CHECK(allclose(g1[k], g2[k], 1e-13, 1e-15));
  };
  check(lstm, lstm, s2);
  check(gru, gru, s1);
  check(rnn, rnn, s1);
  try {
    lstm.step_projected(zeros<double>({4, 7}), {});
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "LSTMCell: px is (4,7), expected (N,8)"));
  }
}

TEST_CASE("lstm_sequence equals T steps of addmm + lstm_gates: values, gradients, errors", "[rnn][lstm]") {
  Generator gen(31);
  const std::size_t T = 4, N = 3, H = 2;
  const Var64 P = uniform<double>({T * N, 4 * H}, gen, -1, 1, true), Wh = uniform<double>({H, 4 * H}, gen, -1, 1, true);
  const Var64 h0 = uniform<double>({N, H}, gen, -1, 1, true), c0 = uniform<double>({N, H}, gen, -1, 1, true);
  const std::vector<Var64> fused = lstm_sequence(P, Wh, h0, c0);
  // Oracle: the steps by hand.
  Var64 h = h0, c = c0;
  std::vector<Var64> ys;
  for (const Var64& p : split(P, std::vector<std::size_t>(T, N), 0)) {
    const std::vector<Var64> hc = lstm_gates(addmm(p, h, Wh), c);
    h = hc[0];
    c = hc[1];
    ys.push_back(h);
  }
  const Var64 Y = concat<double>(ys, 0);
  CHECK(allclose(fused[0], Y, 1e-14, 1e-15));
  CHECK(allclose(fused[1], h, 1e-14, 1e-15));
  CHECK(allclose(fused[2], c, 1e-14, 1e-15));
  // Every gradient, with the state outputs weighted differently from Y.
  const Var64 wy = uniform<double>({T * N, H}, gen, -1, 1), wh = uniform<double>({N, H}, gen, -1, 1);
  auto loss = [&](const Var64& y, const Var64& hT, const Var64& cT) {
    return add(add(sum(mul(y, wy)), sum(mul(hT, wh))), sum(mul(cT, cT)));
  };
  const std::vector<Var64> wrt = {P, Wh, h0, c0};
  const auto g_fused = grad<double>({loss(fused[0], fused[1], fused[2])}, wrt);
  const auto g_steps = grad<double>({loss(Y, h, c)}, wrt);
  for (std::size_t k = 0; k < wrt.size(); ++k) CHECK(allclose(g_fused[k], g_steps[k], 1e-13, 1e-15));
  try {
    lstm_sequence(Var64(zeros_tensor<double>({7, 8})), Wh, h0, c0);
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) ==
          "lstm_sequence: needs P (T·N,4H) with T >= 1, Wh (H,4H), h0 and c0 (N,H); got P (7,8), Wh (2,8), h0 (3,2), "
          "c0 (3,2)");
  }
  CHECK_THROWS_WITH(lstm_sequence_backward(Var64(zeros_tensor<double>({5, 2})), Var64(), Var64(), P, Wh, h0, c0),
                    "lstm_sequence_backward: gY is (5,2), expected (12,2)");
}

TEST_CASE("addmm: base + a·W in one node; shapes named on a mismatch", "[rnn][matrix]") {
  const Var64 base = variable<double>({{1, 2}, {3, 4}}), a = variable<double>({{1, 0, 2}, {0, 1, 0}});
  const Var64 W = variable<double>({{1, 1}, {2, 2}, {3, 3}});
  CHECK((addmm(base, a, W).data() == Tensor<double>{{8, 9}, {5, 6}}));
  CHECK(std::string(addmm(Var64(base.data(), true), a, W).op()) == "addmm");
  try {
    addmm(base, a, variable<double>({{1, 1}, {2, 2}}));
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "addmm: base (2,2) + a (2,3) x W (2,2) (needs base (N,G), a (N,K), W (K,G))");
  }
}

TEST_CASE("recurrent layers: one long call equals two calls passing the state", "[rnn]") {
  Generator gen(5);
  GRU<double> gru(2, 3, gen, {2, true, 0.0});
  RNN<double> rnn(2, 3, gen);
  const Var64 x = uniform<double>({2, 6, 2}, gen, -1, 1);  // (N,T,D), batch_first for the GRU
  auto [y_all, s_all] = gru(x, {});
  auto [y1, s1] = gru(slice(x, 1, 0, 4), {});
  auto [y2, s2] = gru(slice(x, 1, 4, 6), s1);
  CHECK(allclose(concat<double>({y1, y2}, 1), y_all, 1e-14, 1e-14));
  CHECK(allclose(s2[0], s_all[0], 1e-14, 1e-14));
  const Var64 xt = permute(x, {1, 0, 2});  // (T,N,D) for the RNN
  auto [r_all, rs_all] = rnn(xt, {});
  auto [r1, rs1] = rnn(slice(xt, 0, 0, 3), {});
  auto [r2, rs2] = rnn(slice(xt, 0, 3, 6), rs1);
  CHECK(allclose(rs2[0], rs_all[0], 1e-14, 1e-14));
  try {
    rnn(xt, {zeros<double>({2, 2, 3})});
    FAIL("expected invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "RNN: state tensor 0 is (2,2,3), expected (1,2,3)"));
  }
  CHECK_THROWS_AS(rnn(zeros<double>({3, 2}), {}), std::invalid_argument);
}

TEST_CASE("truncated BPTT: detach_state stops gradients at the window edge, values carry on", "[rnn]") {
  Generator gen(6);
  LSTM<double> lstm(2, 3, gen);
  const Var64 x1 = uniform<double>({3, 2, 2}, gen, -1, 1, true), x2 = uniform<double>({3, 2, 2}, gen, -1, 1, true);
  auto [y1, s1] = lstm(x1, {});
  const State<double> carried = detach_state(s1);
  CHECK(allclose(carried[1], s1[1], 0.0, 0.0));
  CHECK(carried[0].is_leaf());
  auto [y2, s2] = lstm(x2, carried);
  sum(y2).backward();
  CHECK(x2.has_grad());
  CHECK_FALSE(x1.has_grad());  // the first window's graph is not reached
  lstm.zero_grad();
  auto [y2b, s2b] = lstm(x2, s1);  // without detaching, the gradient reaches x1
  sum(y2b).backward();
  CHECK(x1.has_grad());
}

TEST_CASE("dropout between layers: identity in eval mode, drops in training mode", "[rnn][dropout]") {
  Generator gen(7), ref_gen(7);
  LSTM<double> with(3, 4, gen, {2, false, 0.5});
  LSTM<double> without(3, 4, ref_gen, {2, false, 0.0});  // same weights: dropout draws no weights
  const Var64 x = uniform<double>({4, 2, 3}, gen, -1, 1);
  with.eval();
  CHECK(allclose(with(x, {}).first, without(x, {}).first, 0.0, 0.0));
  with.train();
  CHECK_FALSE(allclose(with(x, {}).first, without(x, {}).first, 1e-6, 1e-6));
  CHECK(with.describe() == "LSTM(3 -> 4, layers=2, dropout=0.5)");
  CHECK(dropout_generators<double>(with).size() == 1);
}

TEST_CASE("a stateful module still works as a single-input Module", "[rnn]") {
  Generator gen(8);
  auto gru = std::make_shared<GRU<float>>(2, 3, gen);
  Module<float>& as_module = *gru;
  const Var x = uniform<float>({4, 1, 2}, gen);
  CHECK(allclose(as_module(x), (*gru)(x, {}).first, 0.0, 0.0));
}

TEMPLATE_TEST_CASE("Embedding: integer ids look up rows; repeated ids add their gradients", "[embedding]", float,
                   double) {
  Generator gen(9);
  Embedding<TestType> emb(5, 3, gen);
  const IndexTensor ids = {{4, 0, 4}, {2, 2, 2}};
  Variable<TestType> e = emb(ids);
  REQUIRE(e.shape() == Shape{2, 3, 3});
  CHECK(e.data()(0, 2, 1) == emb.W.data()(4, 1));
  CHECK(e.data()(1, 0, 2) == emb.W.data()(2, 2));
  sum(e).backward();
  CHECK(emb.W.grad().data()(4, 0) == 2);
  CHECK(emb.W.grad().data()(2, 1) == 3);
  CHECK(emb.W.grad().data()(1, 1) == 0);
  CHECK_THROWS_AS(emb.forward(Variable<TestType>(zeros_tensor<TestType>({2}))), std::logic_error);
  CHECK_THROWS_AS(emb(IndexTensor{5}), std::invalid_argument);
  CHECK(emb.describe() == "Embedding(5, 3)");
}

TEST_CASE("Linear on (N,T,D) maps every position; (N,C,H,W) is read as (N, C*H*W)", "[nn][linear]") {
  Generator gen(10);
  Linear<double> fc(4, 3, gen);
  const Var64 x = uniform<double>({2, 5, 4}, gen, -1, 1);
  const Var64 y = fc(x);
  REQUIRE(y.shape() == Shape{2, 5, 3});
  for (std::size_t t = 0; t < 5; ++t) {
    CHECK(allclose(select(y, 1, t), linear(select(x, 1, t), fc.W, fc.b), 1e-14, 1e-14));
  }
  Linear<double> affine(12, 2, gen);
  CHECK(affine(uniform<double>({3, 3, 2, 2}, gen)).shape() == Shape{3, 2});
}

TEST_CASE("an LSTM layer with two stacked layers passes gradcheck and gradgradcheck", "[rnn][gradcheck]") {
  Generator gen(12);
  auto lstm = std::make_shared<LSTM<double>>(2, 2, gen, RecurrentOptions{2, true, 0.0});
  const Var64 x = uniform<double>({2, 3, 2}, gen, -1, 1, true);
  const Var64 h0 = uniform<double>({2, 2, 2}, gen, -1, 1, true), c0 = uniform<double>({2, 2, 2}, gen, -1, 1, true);
  auto f = [lstm](const std::vector<Var64>& v) {
    auto [y, s] = (*lstm)(v[0], {v[1], v[2]});
    return add(sum(mul(y, y)), sum(s[1]));
  };
  std::vector<Var64> inputs{x, h0, c0};
  for (const auto& p : lstm->parameters()) inputs.push_back(p);
  const GradcheckReport first = gradcheck(f, inputs);
  INFO(first.str());
  CHECK(first.passed);
  const GradcheckReport second = gradgradcheck(f, {x, h0, c0});
  INFO(second.str());
  CHECK(second.passed);
}
