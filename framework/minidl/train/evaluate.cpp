#include "minidl/train/evaluate.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "minidl/core/grad_mode.hpp"
#include "minidl/ops/loss.hpp"
#include "minidl/train/metrics.hpp"

namespace minidl {

template <typename T>
Evaluation evaluate(Module<T>& model, const Dataset<T>& data, std::size_t limit, std::size_t batch) {
  const std::size_t n = limit == 0 ? data.size() : std::min(limit, data.size());
  if (n == 0) throw std::invalid_argument("evaluate: no items to evaluate");
  if (batch == 0) throw std::invalid_argument("evaluate: batch must be > 0");
  NoGradGuard no_grad;
  EvalModeGuard<T> eval_mode(model);
  const std::size_t numel = data.item_numel();
  std::size_t correct = 0;
  double loss_sum = 0;  // Σ over batches of (batch mean loss × rows), so the result is the item mean
  Tensor<T> x;
  std::vector<std::size_t> labels;
  for (std::size_t start = 0; start < n; start += batch) {
    const std::size_t rows = std::min(batch, n - start);
    Shape shape{rows};
    shape.insert(shape.end(), data.item_shape().begin(), data.item_shape().end());
    if (!std::equal(shape.begin(), shape.end(), x.shape().begin(), x.shape().end())) x = Tensor<T>::from_shape(shape);
    labels.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) labels[r] = data.get(start + r, x.data() + r * numel);
    const Variable<T> scores = model(Variable<T>(x));
    correct += count_correct(scores.data(), labels);
    loss_sum += static_cast<double>(softmax_cross_entropy(scores, labels).item()) * static_cast<double>(rows);
  }
  return {loss_sum / static_cast<double>(n), static_cast<double>(correct) / static_cast<double>(n), n};
}

template <typename T>
double evaluate_accuracy(Module<T>& model, const Dataset<T>& data, std::size_t limit, std::size_t batch) {
  return evaluate(model, data, limit, batch).accuracy;
}

template Evaluation evaluate<float>(Module<float>&, const Dataset<float>&, std::size_t, std::size_t);
template Evaluation evaluate<double>(Module<double>&, const Dataset<double>&, std::size_t, std::size_t);
template double evaluate_accuracy<float>(Module<float>&, const Dataset<float>&, std::size_t, std::size_t);
template double evaluate_accuracy<double>(Module<double>&, const Dataset<double>&, std::size_t, std::size_t);

}  // namespace minidl
