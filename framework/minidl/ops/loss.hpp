#pragma once
// Loss functions, exactly as the book defines them. Each is ONE fused graph node returning a 0-d
// scalar; its backward is written with Variable ops, so it is differentiable again.
//
// Shapes: y / logits are (C) for a single example (a batch of one, like the book's
// y.reshape(1, y.size)) or (N,C) for a batch of N; the batch mean divides by N.
// Targets come either as a tensor of y's shape (one-hot or soft) or as integer class labels,
// passed as `const std::vector<std::size_t>&` or as an IndexTensor, one label per example in [0, C).
//
// A loss that comes out NaN or infinite throws std::domain_error naming the op and the first
// offending input element ("softmax_cross_entropy: loss is NaN (logits contain NaN at (3,7))"):
// a single isfinite test on the result, so the check costs nothing on the normal path.

#include <cstddef>
#include <initializer_list>
#include <vector>

#include "minidl/core/index.hpp"
#include "minidl/core/variable.hpp"

namespace minidl {

/// E = ½ Σ_k (y_k − t_k)², summed over every element and NOT averaged over the batch (the book's
/// sum_squared_error). y and t have the same (any) shape; result 0-d.
/// Backward: gy = gy·(y − t), gt = −gy·(y − t).
template <typename T>
Variable<T> sum_squared_error(const Variable<T>& y, const Variable<T>& t);

/// E = (1/n) Σ_k (y_k − t_k)², the mean over all n elements (NumPy np.mean((y − t)**2)); no ½
/// factor and no special batch axis. y and t have the same (any) shape; result 0-d.
/// Backward: gy = gy·2(y − t)/n, gt = −gy·2(y − t)/n.
template <typename T>
Variable<T> mean_squared_error(const Variable<T>& y, const Variable<T>& t);

/// E = −Σ_{i,k} t_ik · log(y_ik + 1e-7) / N for probabilities y and one-hot (or soft) targets t of
/// the same shape: (C) (N = 1) or (N,C). The 1e-7 keeps log(0) finite, as in the book.
/// Backward: gy = −gy·t / (y + 1e-7) / N, gt = −gy·log(y + 1e-7) / N.
template <typename T>
Variable<T> cross_entropy_error(const Variable<T>& y, const Variable<T>& t);

/// E = −Σ_i log(y[i, labels[i]] + 1e-7) / N with integer class labels: y (C) takes one label,
/// y (N,C) takes N labels. Equal to the one-hot form with t = onehot(labels).
/// Backward: gy[i,labels[i]] = −gy / (y[i,labels[i]] + 1e-7) / N, zero elsewhere.
/// Throws std::invalid_argument when the label count is not N, or a label is not in [0, C)
/// ("cross_entropy_error: label 12 at index 3 is out of range for 10 classes").
template <typename T>
Variable<T> cross_entropy_error(const Variable<T>& y, const std::vector<std::size_t>& labels);

/// cross_entropy_error with integer labels as an IndexTensor: (N) labels for y (N,C), or a single
/// label, shape () or (1), for y (C). The same node and backward as the std::vector form; the
/// labels are checked first, so a negative id is named ("label -3 at (4)") instead of wrapping.
/// Throws std::invalid_argument when the labels' shape is not y's without its class axis.
template <typename T>
Variable<T> cross_entropy_error(const Variable<T>& y, const IndexTensor& labels);

/// Brace-list labels, cross_entropy_error(y, {0, 2, 1}): the std::vector<std::size_t> form above.
template <typename T>
Variable<T> cross_entropy_error(const Variable<T>& y, std::initializer_list<std::size_t> labels) {
  return cross_entropy_error(y, std::vector<std::size_t>(labels));
}

/// The book's SoftmaxWithLoss as one node, from raw scores:
///   E = (1/N) Σ_i (lse_i − x[i, labels[i]]),  lse_i = m_i + log Σ_k exp(x_ik − m_i),  m_i = max_k x_ik,
/// for logits (C) (N = 1) or (N,C). Subtracting m_i keeps logits of ±1000 exact.
/// Backward: gx = (softmax(x) − onehot(labels)) / N · gy. When create_graph is off the forward's
/// probabilities are reused (one copy, no exp); with create_graph on they are recomputed with the
/// softmax op so the gradient can be differentiated again.
/// Throws std::invalid_argument for a wrong label count or a label outside [0, C), and
/// std::domain_error when the loss is NaN/inf.
template <typename T>
Variable<T> softmax_cross_entropy(const Variable<T>& logits, const std::vector<std::size_t>& labels);

/// Brace-list labels, softmax_cross_entropy(y, {0, 2, 1}): the std::vector<std::size_t> form above.
/// (A brace list of integers would otherwise convert to either label type, an ambiguous call.)
template <typename T>
Variable<T> softmax_cross_entropy(const Variable<T>& logits, std::initializer_list<std::size_t> labels) {
  return softmax_cross_entropy(logits, std::vector<std::size_t>(labels));
}

/// The label value softmax_cross_entropy skips by default (as PyTorch's ignore_index).
constexpr Index kIgnoreIndex = -100;

/// softmax_cross_entropy over sequences (or any batch shape) with integer labels: logits (..., V)
/// and labels of the logits' shape without the last axis, e.g. a language model's (N,T,V) scores
/// for (N,T) next-token ids:
///   E = (1/M) Σ_{p : labels[p] ≠ ignore_index} (lse_p − x[p, labels[p]]),  M = number of kept positions,
/// with the same max-subtracted log-sum-exp per position as the (N,C) form. Positions labelled
/// ignore_index (padding) add neither loss nor gradient; when every position is ignored the loss
/// is 0 and the gradient zero (never 0/0).
/// Backward: gx = (softmax(x) − onehot(labels)) / M · gy on kept positions, 0 on ignored ones; the
/// same recorded backward op as the (N,C) form, so it is differentiable again.
/// Throws std::invalid_argument naming the shapes when labels do not match the logits, or naming
/// the label and its position when it is neither ignore_index nor in [0, V).
template <typename T>
Variable<T> softmax_cross_entropy(const Variable<T>& logits, const IndexTensor& labels, Index ignore_index = kIgnoreIndex);

/// softmax_cross_entropy with target distributions t of the logits' shape (one-hot or soft):
///   E = −(1/N) Σ_{i,k} t_ik · log_softmax(x)_ik.
/// Backward: gx = (softmax(x)·Σ_k t_ik − t) / N · gy, which is (softmax(x) − t)/N · gy when the
/// rows of t sum to 1; gt = −log_softmax(x) / N · gy.
template <typename T>
Variable<T> softmax_cross_entropy(const Variable<T>& logits, const Variable<T>& t);

}  // namespace minidl
