#pragma once
// Recurrent layers: RNN, LSTM and GRU, each as a cell (one time step) and as a layer unrolled over
// a sequence with several stacked layers, a batch_first option and dropout between layers. All are
// StatefulModules: forward(x, state) -> (y, state).
//
// Cells use the fused ops of ops/recurrent.hpp: the gate pre-activations are one buffer filled by
// two GEMMs (affine2: all gates at once), the gate math is one op (lstm_gates, gru_gates) with a
// fused backward. Weights are (in, out) as in the book (x·W), initialised U(−1/√H, 1/√H).
//
// An unrolled layer does not call the cells' forward step by step: the input half x·Wx + b does
// not depend on the recurrence, so it computes it for all T steps as one (T·N, D) GEMM
// (project_input), then runs the recurrence (run_projected): for the LSTM one lstm_sequence op
// over all steps, for RNN and GRU a step_projected per step, which adds only h·Wh. In backward the
// input gradient and Wx's gradient are one GEMM each instead of T, with no per-step accumulation.

#include <memory>
#include <string>
#include <vector>

#include "minidl/core/random.hpp"
#include "minidl/nn/dropout.hpp"
#include "minidl/nn/stateful.hpp"

namespace minidl {

/// h' = tanh(x·Wx + h·Wh + b). State {h}, h (N,H); x (N,D). Parameters Wx (D,H), Wh (H,H), b (H).
template <typename T>
class RNNCell : public StatefulModule<T> {
 public:
  /// The number of state tensors ({h}).
  static constexpr std::size_t kStateSize = 1;
  /// The layer name describe() uses for an unrolled stack of these cells.
  static constexpr const char* kLayerName = "RNN";
  RNNCell(std::size_t input_size, std::size_t hidden_size, Generator& gen);
  using StatefulModule<T>::forward;
  /// One step: returns (h', {h'}). An empty state starts from h = 0. Throws std::invalid_argument
  /// naming the shapes when x is not (N,D) or the state is not {(N,H)}.
  std::pair<Variable<T>, State<T>> forward(const Variable<T>& x, const State<T>& state) override;
  /// "RNNCell(10 -> 20)".
  std::string describe() const override;
  /// x·Wx + b for M rows at once, (M,D) -> (M,H): the input half of a step, which an unrolled
  /// layer computes for every time step in one GEMM.
  Variable<T> project_input(const Variable<T>& x) const;
  /// One step from px = project_input(x) (N,H): h' = tanh(px + h·Wh) (addmm). Equals forward(x).
  std::pair<Variable<T>, State<T>> step_projected(const Variable<T>& px, const State<T>& state);
  /// Every step of a sequence from its projections P = project_input(x) (T·N rows, time-major:
  /// step t is rows [t·N, (t+1)·N)), starting from `state` (empty: zeros): returns the hidden
  /// states Y (T·N,H), time-major, and the final state. Runs a loop of step_projected.
  std::pair<Variable<T>, State<T>> run_projected(const Variable<T>& P, std::size_t batch, const State<T>& state);
  std::size_t hidden_size() const { return Wh.shape()[0]; }  ///< H.

  Variable<T> Wx, Wh, b;
};

/// The LSTM cell: A = x·Wx + h·Wh + b (N,4H) with gate blocks [i | f | g | o], then
/// c' = σ(f)⊙c + σ(i)⊙tanh(g), h' = σ(o)⊙tanh(c') (lstm_gates). State {h, c}, both (N,H).
/// Parameters Wx (D,4H), Wh (H,4H), b (4H).
template <typename T>
class LSTMCell : public StatefulModule<T> {
 public:
  static constexpr std::size_t kStateSize = 2;  ///< {h, c}
  static constexpr const char* kLayerName = "LSTM";
  LSTMCell(std::size_t input_size, std::size_t hidden_size, Generator& gen);
  using StatefulModule<T>::forward;
  /// One step: returns (h', {h', c'}). An empty state starts from h = c = 0.
  std::pair<Variable<T>, State<T>> forward(const Variable<T>& x, const State<T>& state) override;
  /// "LSTMCell(10 -> 20)".
  std::string describe() const override;
  /// x·Wx + b for M rows at once, (M,D) -> (M,4H): the input half of the gate pre-activations,
  /// which an unrolled layer computes for every time step in one GEMM.
  Variable<T> project_input(const Variable<T>& x) const;
  /// One step from px = project_input(x) (N,4H): A = px + h·Wh (addmm), then lstm_gates.
  /// Equals forward(x, state) up to rounding.
  std::pair<Variable<T>, State<T>> step_projected(const Variable<T>& px, const State<T>& state);
  /// Every step of a sequence from its projections P = project_input(x) (T·N rows, time-major:
  /// step t is rows [t·N, (t+1)·N)), starting from `state` (empty: zeros): returns the hidden
  /// states Y (T·N,H), time-major, and the final state. Runs one lstm_sequence op.
  std::pair<Variable<T>, State<T>> run_projected(const Variable<T>& P, std::size_t batch, const State<T>& state);
  std::size_t hidden_size() const { return Wh.shape()[0]; }  ///< H.

  Variable<T> Wx, Wh, b;
};

/// The GRU cell (PyTorch's formulation): Ax = x·Wx + bx, Ah = h·Wh + bh, both (N,3H) with blocks
/// [r | z | n], then r = σ(ax_r + ah_r), z = σ(ax_z + ah_z), n = tanh(ax_n + r⊙ah_n),
/// h' = (1 − z)⊙n + z⊙h (gru_gates). State {h}. Parameters Wx (D,3H), Wh (H,3H), bx, bh (3H).
template <typename T>
class GRUCell : public StatefulModule<T> {
 public:
  static constexpr std::size_t kStateSize = 1;  ///< {h}
  static constexpr const char* kLayerName = "GRU";
  GRUCell(std::size_t input_size, std::size_t hidden_size, Generator& gen);
  using StatefulModule<T>::forward;
  /// One step: returns (h', {h'}). An empty state starts from h = 0.
  std::pair<Variable<T>, State<T>> forward(const Variable<T>& x, const State<T>& state) override;
  /// "GRUCell(10 -> 20)".
  std::string describe() const override;
  /// Ax = x·Wx + bx for M rows at once, (M,D) -> (M,3H), which an unrolled layer computes for
  /// every time step in one GEMM.
  Variable<T> project_input(const Variable<T>& x) const;
  /// One step from px = project_input(x) (N,3H): gru_gates(px, h·Wh + bh, h). Equals forward(x).
  std::pair<Variable<T>, State<T>> step_projected(const Variable<T>& px, const State<T>& state);
  /// Every step of a sequence from its projections P = project_input(x) (T·N rows, time-major:
  /// step t is rows [t·N, (t+1)·N)), starting from `state` (empty: zeros): returns the hidden
  /// states Y (T·N,H), time-major, and the final state. Runs a loop of step_projected.
  std::pair<Variable<T>, State<T>> run_projected(const Variable<T>& P, std::size_t batch, const State<T>& state);
  std::size_t hidden_size() const { return Wh.shape()[0]; }  ///< H.

  Variable<T> Wx, Wh, bx, bh;
};

/// Options of an unrolled recurrent layer.
struct RecurrentOptions {
  std::size_t layers = 1;    ///< Stacked cells: layer l > 0 reads layer l−1's outputs.
  bool batch_first = false;  ///< x and y are (N,T,·) instead of (T,N,·).
  double dropout = 0.0;      ///< Dropout on every layer's output but the last's, in training mode only.
};

/// A cell unrolled over time and stacked `layers` deep (the book's TimeRNN/TimeLSTM, PyTorch's
/// nn.RNN/LSTM/GRU). Each layer projects its whole input sequence at once (Cell::project_input),
/// then runs the recurrence (Cell::run_projected). x is (T,N,D), or (N,T,D) with batch_first; y is the last layer's h at every
/// step, (T,N,H) or (N,T,H). The state holds kStateSize tensors of shape (layers, N, H) (h, and c
/// for LSTM) and is what the next window continues from; pass detach_state(state) between
/// truncated-BPTT windows. Children "cell0", "cell1", ... (parameters "cell0.Wx", ...), and
/// "dropout" when options.dropout > 0.
template <typename T, typename Cell>
class RecurrentLayer : public StatefulModule<T> {
 public:
  /// Throws std::invalid_argument for zero layers or a dropout ratio outside [0, 1). `gen` draws
  /// the weights and, later, the dropout masks: it must outlive the layer when dropout > 0.
  RecurrentLayer(std::size_t input_size, std::size_t hidden_size, Generator& gen, RecurrentOptions options = {});
  using StatefulModule<T>::forward;
  /// Runs the sequence. An empty state starts every layer from zeros. Throws std::invalid_argument
  /// naming the shapes when x is not 3-D with D = input_size or the state does not fit.
  std::pair<Variable<T>, State<T>> forward(const Variable<T>& x, const State<T>& state) override;
  /// "LSTM(10 -> 20, layers=2, batch_first, dropout=0.5)".
  std::string describe() const override;
  const RecurrentOptions& options() const { return options_; }  ///< As constructed.

  std::vector<std::shared_ptr<Cell>> cells;  ///< One per layer.

 private:
  RecurrentOptions options_;
  std::size_t input_size_, hidden_size_;
  std::shared_ptr<Dropout<T>> dropout_;
};

/// Elman RNN layer.
template <typename T>
using RNN = RecurrentLayer<T, RNNCell<T>>;
/// LSTM layer.
template <typename T>
using LSTM = RecurrentLayer<T, LSTMCell<T>>;
/// GRU layer.
template <typename T>
using GRU = RecurrentLayer<T, GRUCell<T>>;

}  // namespace minidl
