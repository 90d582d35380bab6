#pragma once
// The float64 gradient-check sweep: every op contributes rows (one file per op family, in this
// folder); test_gradcheck_sweep.cpp checks every row three ways (gradcheck; gradients with
// create_graph on and off agree; gradgradcheck) and prints a table with a column for each.

#include <functional>
#include <string>
#include <vector>

#include <minidl/minidl.hpp>

namespace sweep {

using minidl::Shape;
using minidl::Var64;

/// One gradcheck case: an op applied to inputs of the given shapes.
struct Row {
  std::string name;                                   ///< "add (N,D)+(D)": op and what the case covers.
  std::vector<Shape> shapes;                          ///< One shape per input; all inputs require grad.
  std::function<Var64(const std::vector<Var64>&)> f;  ///< The op applied to the inputs.
  double lo = -1.0;                                   ///< Inputs are drawn uniformly from [lo, hi) ...
  double hi = 1.0;                                    ///< ... choose a range away from kinks and poles.
  /// Optional: overwrite the drawn inputs (e.g. distinct values so max has no ties). May be empty.
  std::function<void(std::vector<Var64>&)> prepare;
  minidl::GradcheckOptions options{};                 ///< Per-row tolerances if ever needed.
  /// Why gradgradcheck cannot check this row (empty: it is checked). Only for a function that is not
  /// twice differentiable at the row's inputs, e.g. a kink a second finite difference would straddle.
  std::string no_gradgrad;
};

std::vector<Row> arithmetic_rows();   ///< rows_arithmetic.cpp
std::vector<Row> matrix_rows();       ///< rows_matrix.cpp
std::vector<Row> elementwise_rows();  ///< rows_elementwise.cpp
std::vector<Row> reduction_rows();    ///< rows_reduction.cpp
std::vector<Row> shape_rows();        ///< rows_shape.cpp
std::vector<Row> softmax_rows();      ///< rows_softmax.cpp
std::vector<Row> loss_rows();         ///< rows_loss.cpp
std::vector<Row> conv_rows();         ///< rows_conv.cpp: conv2d, pooling, im2col
std::vector<Row> norm_rows();         ///< rows_norm.cpp: batch norm, dropout (fixed mask)
std::vector<Row> split_rows();        ///< rows_split.cpp: split/chunk, unbind/stack, select (multi-output ops)
std::vector<Row> index_rows();        ///< rows_index.cpp: index_select / index_add with integer indices
std::vector<Row> compare_rows();      ///< rows_compare.cpp: where, maximum, minimum
std::vector<Row> recurrent_rows();    ///< rows_recurrent.cpp: affine2, fused LSTM/GRU gates and their backwards

}  // namespace sweep
