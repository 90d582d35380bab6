#include "minidl/nn/rnn.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "minidl/ops/elementwise.hpp"
#include "minidl/ops/lstm_sequence.hpp"
#include "minidl/ops/matrix.hpp"
#include "minidl/ops/recurrent.hpp"
#include "minidl/ops/shape.hpp"
#include "minidl/ops/split.hpp"

namespace minidl {
namespace {

// U(−1/√H, 1/√H), PyTorch's recurrent initialisation: keeps tanh and σ in their responsive range.
template <typename T>
Variable<T> recurrent_weight(const Shape& shape, std::size_t hidden, Generator& gen) {
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden));
  return Variable<T>(uniform_tensor<T>(shape, gen, -k, k));
}

void check_sizes(const char* cell, std::size_t input_size, std::size_t hidden_size) {
  if (input_size == 0 || hidden_size == 0) {
    throw std::invalid_argument(std::string(cell) + ": input and hidden sizes must be positive, got " +
                                std::to_string(input_size) + " and " + std::to_string(hidden_size));
  }
}

// The state a cell step starts from: the given one after checking it, or zeros.
// `what` names x in messages: "x", or "px" for a projected input.
template <typename T>
State<T> start_state(const char* cell, const Variable<T>& x, const State<T>& state, std::size_t k, std::size_t input,
                     std::size_t hidden, const char* what = "x") {
  const Shape xs = x.shape();
  if (xs.size() != 2 || xs[1] != input) {
    throw std::invalid_argument(std::string(cell) + ": " + what + " is " + shape_str(xs) + ", expected (N," +
                                std::to_string(input) + ")");
  }
  const Shape hs{xs[0], hidden};
  if (state.empty()) return State<T>(k, zeros<T>(hs));
  if (state.size() != k) {
    throw std::invalid_argument(std::string(cell) + ": state has " + std::to_string(state.size()) +
                                " tensors, expected " + std::to_string(k));
  }
  for (const auto& s : state) {
    if (!s.defined() || s.shape() != hs) {
      throw std::invalid_argument(std::string(cell) + ": state tensor is " +
                                  (s.defined() ? shape_str(s.shape()) : std::string("undefined")) + ", expected " +
                                  shape_str(hs) + " for x " + shape_str(xs));
    }
  }
  return state;
}

// The recurrence by steps: cuts P's T·N rows into T (N,G) blocks, runs `step` on each, and joins
// the hidden states back into (T·N,H) rows.
template <typename T, typename Cell>
std::pair<Variable<T>, State<T>> run_by_steps(Cell& cell, const Variable<T>& P, std::size_t batch, State<T> state) {
  const std::size_t rows = P.shape().empty() ? 0 : P.shape()[0];
  if (batch == 0 || rows == 0 || rows % batch != 0) {
    throw std::invalid_argument(std::string(Cell::kLayerName) + ": projected input " + shape_str(P.shape()) +
                                " is not T >= 1 blocks of " + std::to_string(batch) + " rows");
  }
  std::vector<Variable<T>> ys = split(P, std::vector<std::size_t>(rows / batch, batch), 0);
  for (auto& y : ys) {
    auto [h, next] = cell.step_projected(y, state);
    y = h;
    state = std::move(next);
  }
  return {concat<T>(ys, 0), state};
}

std::string arrow(const char* name, std::size_t in, std::size_t out) {
  return std::string(name) + "(" + std::to_string(in) + " -> " + std::to_string(out) + ")";
}

}  // namespace

// ---- cells ----------------------------------------------------------------------------------------

template <typename T>
RNNCell<T>::RNNCell(std::size_t input_size, std::size_t hidden_size, Generator& gen) {
  check_sizes("RNNCell", input_size, hidden_size);
  Wx = this->register_parameter("Wx", recurrent_weight<T>({input_size, hidden_size}, hidden_size, gen));
  Wh = this->register_parameter("Wh", recurrent_weight<T>({hidden_size, hidden_size}, hidden_size, gen));
  b = this->register_parameter("b", recurrent_weight<T>({hidden_size}, hidden_size, gen));
}

template <typename T>
std::pair<Variable<T>, State<T>> RNNCell<T>::forward(const Variable<T>& x, const State<T>& state) {
  const State<T> s = start_state("RNNCell", x, state, kStateSize, Wx.shape()[0], hidden_size());
  Variable<T> h = tanh(affine2(x, Wx, s[0], Wh, b));
  return {h, State<T>{h}};
}

template <typename T>
Variable<T> RNNCell<T>::project_input(const Variable<T>& x) const {
  return linear(x, Wx, b);
}

template <typename T>
std::pair<Variable<T>, State<T>> RNNCell<T>::step_projected(const Variable<T>& px, const State<T>& state) {
  const State<T> s = start_state("RNNCell", px, state, kStateSize, Wh.shape()[1], hidden_size(), "px");
  Variable<T> h = tanh(addmm(px, s[0], Wh));
  return {h, State<T>{h}};
}

template <typename T>
std::pair<Variable<T>, State<T>> RNNCell<T>::run_projected(const Variable<T>& P, std::size_t batch,
                                                           const State<T>& state) {
  return run_by_steps<T>(*this, P, batch, state);
}

template <typename T>
std::string RNNCell<T>::describe() const {
  return arrow("RNNCell", Wx.shape()[0], hidden_size());
}

template <typename T>
LSTMCell<T>::LSTMCell(std::size_t input_size, std::size_t hidden_size, Generator& gen) {
  check_sizes("LSTMCell", input_size, hidden_size);
  Wx = this->register_parameter("Wx", recurrent_weight<T>({input_size, 4 * hidden_size}, hidden_size, gen));
  Wh = this->register_parameter("Wh", recurrent_weight<T>({hidden_size, 4 * hidden_size}, hidden_size, gen));
  b = this->register_parameter("b", recurrent_weight<T>({4 * hidden_size}, hidden_size, gen));
}

template <typename T>
std::pair<Variable<T>, State<T>> LSTMCell<T>::forward(const Variable<T>& x, const State<T>& state) {
  const State<T> s = start_state("LSTMCell", x, state, kStateSize, Wx.shape()[0], hidden_size());
  std::vector<Variable<T>> hc = lstm_gates(affine2(x, Wx, s[0], Wh, b), s[1]);
  return {hc[0], State<T>{hc[0], hc[1]}};
}

template <typename T>
Variable<T> LSTMCell<T>::project_input(const Variable<T>& x) const {
  return linear(x, Wx, b);
}

template <typename T>
std::pair<Variable<T>, State<T>> LSTMCell<T>::step_projected(const Variable<T>& px, const State<T>& state) {
  const State<T> s = start_state("LSTMCell", px, state, kStateSize, Wh.shape()[1], hidden_size(), "px");
  std::vector<Variable<T>> hc = lstm_gates(addmm(px, s[0], Wh), s[1]);
  return {hc[0], State<T>{hc[0], hc[1]}};
}

template <typename T>
std::pair<Variable<T>, State<T>> LSTMCell<T>::run_projected(const Variable<T>& P, std::size_t batch,
                                                            const State<T>& state) {
  const Shape hs{batch, hidden_size()};
  if (!state.empty() && state.size() != kStateSize) {
    throw std::invalid_argument("LSTMCell: state has " + std::to_string(state.size()) + " tensors, expected 2");
  }
  const Variable<T> h0 = state.empty() ? zeros<T>(hs) : state[0], c0 = state.empty() ? zeros<T>(hs) : state[1];
  std::vector<Variable<T>> out = lstm_sequence(P, Wh, h0, c0);
  return {out[0], State<T>{out[1], out[2]}};
}

template <typename T>
std::string LSTMCell<T>::describe() const {
  return arrow("LSTMCell", Wx.shape()[0], hidden_size());
}

template <typename T>
GRUCell<T>::GRUCell(std::size_t input_size, std::size_t hidden_size, Generator& gen) {
  check_sizes("GRUCell", input_size, hidden_size);
  Wx = this->register_parameter("Wx", recurrent_weight<T>({input_size, 3 * hidden_size}, hidden_size, gen));
  Wh = this->register_parameter("Wh", recurrent_weight<T>({hidden_size, 3 * hidden_size}, hidden_size, gen));
  bx = this->register_parameter("bx", recurrent_weight<T>({3 * hidden_size}, hidden_size, gen));
  bh = this->register_parameter("bh", recurrent_weight<T>({3 * hidden_size}, hidden_size, gen));
}

template <typename T>
std::pair<Variable<T>, State<T>> GRUCell<T>::forward(const Variable<T>& x, const State<T>& state) {
  const State<T> s = start_state("GRUCell", x, state, kStateSize, Wx.shape()[0], hidden_size());
  Variable<T> h = gru_gates(linear(x, Wx, bx), linear(s[0], Wh, bh), s[0]);
  return {h, State<T>{h}};
}

template <typename T>
Variable<T> GRUCell<T>::project_input(const Variable<T>& x) const {
  return linear(x, Wx, bx);
}

template <typename T>
std::pair<Variable<T>, State<T>> GRUCell<T>::step_projected(const Variable<T>& px, const State<T>& state) {
  const State<T> s = start_state("GRUCell", px, state, kStateSize, Wh.shape()[1], hidden_size(), "px");
  Variable<T> h = gru_gates(px, linear(s[0], Wh, bh), s[0]);
  return {h, State<T>{h}};
}

template <typename T>
std::pair<Variable<T>, State<T>> GRUCell<T>::run_projected(const Variable<T>& P, std::size_t batch,
                                                           const State<T>& state) {
  return run_by_steps<T>(*this, P, batch, state);
}

template <typename T>
std::string GRUCell<T>::describe() const {
  return arrow("GRUCell", Wx.shape()[0], hidden_size());
}

// ---- unrolled layers ------------------------------------------------------------------------------

template <typename T, typename Cell>
RecurrentLayer<T, Cell>::RecurrentLayer(std::size_t input_size, std::size_t hidden_size, Generator& gen,
                                        RecurrentOptions options)
    : options_(options), input_size_(input_size), hidden_size_(hidden_size) {
  if (options.layers == 0) throw std::invalid_argument(std::string(Cell::kLayerName) + ": layers must be at least 1");
  for (std::size_t l = 0; l < options.layers; ++l) {
    cells.push_back(this->register_module("cell" + std::to_string(l),
                                          std::make_shared<Cell>(l ? hidden_size : input_size, hidden_size, gen)));
  }
  if (options.dropout > 0.0) dropout_ = this->register_module("dropout", std::make_shared<Dropout<T>>(options.dropout, gen));
  if (options.dropout < 0.0) {
    throw std::invalid_argument(std::string(Cell::kLayerName) + ": dropout must be in [0, 1), got " +
                                std::to_string(options.dropout));
  }
}

template <typename T, typename Cell>
std::pair<Variable<T>, State<T>> RecurrentLayer<T, Cell>::forward(const Variable<T>& x, const State<T>& state) {
  const Shape xs = x.shape();
  const int time_axis = options_.batch_first ? 1 : 0;
  const std::string layout = options_.batch_first ? "(N,T," : "(T,N,";
  if (xs.size() != 3 || xs[2] != input_size_ || xs[static_cast<std::size_t>(time_axis)] == 0) {
    throw std::invalid_argument(std::string(Cell::kLayerName) + ": x is " + shape_str(xs) + ", expected " + layout +
                                std::to_string(input_size_) + ") with T >= 1");
  }
  const std::size_t L = cells.size(), K = Cell::kStateSize, N = xs[options_.batch_first ? 0 : 1];
  // Per-layer start states: empty (zeros) or the layer's slice of each (L,N,H) state tensor.
  std::vector<State<T>> per_layer(L);
  if (!state.empty()) {
    const Shape want{L, N, hidden_size_};
    if (state.size() != K) {
      throw std::invalid_argument(std::string(Cell::kLayerName) + ": state has " + std::to_string(state.size()) +
                                  " tensors, expected " + std::to_string(K));
    }
    for (std::size_t k = 0; k < K; ++k) {
      if (!state[k].defined() || state[k].shape() != want) {
        throw std::invalid_argument(std::string(Cell::kLayerName) + ": state tensor " + std::to_string(k) + " is " +
                                    (state[k].defined() ? shape_str(state[k].shape()) : std::string("undefined")) +
                                    ", expected " + shape_str(want));
      }
      const std::vector<Variable<T>> layers = unbind(state[k], 0);
      for (std::size_t l = 0; l < L; ++l) per_layer[l].push_back(layers[l]);
    }
  }
  // Time-major rows (T·N, D): step t is rows [t·N, (t+1)·N), so one GEMM projects every step, and
  // a layer's hidden states (T·N, H) are already the next layer's input rows.
  const std::size_t T_steps = xs[static_cast<std::size_t>(time_axis)];
  Variable<T> rows = reshape(options_.batch_first ? permute(x, {1, 0, 2}) : x, Shape{T_steps * N, input_size_});
  std::vector<std::vector<Variable<T>>> final_state(K);
  for (std::size_t l = 0; l < L; ++l) {
    if (l > 0 && dropout_) rows = dropout_->forward(rows);
    auto [y, s] = cells[l]->run_projected(cells[l]->project_input(rows), N, per_layer[l]);
    rows = y;
    for (std::size_t k = 0; k < K; ++k) final_state[k].push_back(s[k]);
  }
  State<T> out;
  for (std::size_t k = 0; k < K; ++k) out.push_back(stack(final_state[k], 0));
  Variable<T> y = reshape(rows, Shape{T_steps, N, hidden_size_});
  return {options_.batch_first ? permute(y, {1, 0, 2}) : y, out};
}

template <typename T, typename Cell>
std::string RecurrentLayer<T, Cell>::describe() const {
  std::ostringstream s;
  s << Cell::kLayerName << "(" << input_size_ << " -> " << hidden_size_ << ", layers=" << cells.size();
  if (options_.batch_first) s << ", batch_first";
  if (options_.dropout > 0) s << ", dropout=" << options_.dropout;
  s << ")";
  return s.str();
}

template class RNNCell<float>;
template class RNNCell<double>;
template class LSTMCell<float>;
template class LSTMCell<double>;
template class GRUCell<float>;
template class GRUCell<double>;
template class RecurrentLayer<float, RNNCell<float>>;
template class RecurrentLayer<double, RNNCell<double>>;
template class RecurrentLayer<float, LSTMCell<float>>;
template class RecurrentLayer<double, LSTMCell<double>>;
template class RecurrentLayer<float, GRUCell<float>>;
template class RecurrentLayer<double, GRUCell<double>>;

}  // namespace minidl
