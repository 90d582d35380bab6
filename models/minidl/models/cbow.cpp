#include "minidl/models/cbow.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <minidl/ops/arithmetic.hpp>
#include <minidl/ops/elementwise.hpp>
#include <minidl/ops/index.hpp>
#include <minidl/ops/reduction.hpp>
#include <minidl/ops/shape.hpp>

namespace minidl::models {

template <typename T>
Cbow<T>::Cbow(std::size_t vocabulary, std::size_t dim, Generator& gen) {
  if (vocabulary == 0 || dim == 0) {
    throw std::invalid_argument("Cbow: vocabulary and dim must be positive, got " + std::to_string(vocabulary) + " x " +
                                std::to_string(dim));
  }
  W_in = this->register_parameter("W_in", Variable<T>(randn_tensor<T>({vocabulary, dim}, gen, 0.0, 0.01)));
  W_out = this->register_parameter("W_out", Variable<T>(randn_tensor<T>({vocabulary, dim}, gen, 0.0, 0.01)));
}

template <typename T>
Variable<T> Cbow<T>::loss(const IndexTensor& contexts, const IndexTensor& candidates) {
  if (contexts.dimension() != 2 || candidates.dimension() != 2 || contexts.shape(0) != candidates.shape(0) ||
      candidates.shape(1) < 2) {
    throw std::invalid_argument("Cbow::loss: contexts " + shape_str(to_shape(contexts.shape())) + " and candidates " +
                                shape_str(to_shape(candidates.shape())) + " must be (N,C) and (N,1+k), k >= 1");
  }
  const std::size_t n = contexts.shape(0), cols = candidates.shape(1), d = W_in.shape()[1];
  const Variable<T> h = mean(index_select(W_in, 0, contexts), {1});                     // (N,D)
  const Variable<T> out = index_select(W_out, 0, candidates);                           // (N,1+k,D)
  const Variable<T> scores = sum(mul(reshape(h, Shape{n, 1, d}), out), {2});           // (N,1+k)
  // Label 1 for the target, 0 for the negatives: log sigmoid(s) and log sigmoid(-s) as one
  // log sigmoid(sign * s).
  Tensor<T> sign = Tensor<T>::from_shape({1, cols});
  sign.fill(T(-1));
  sign(0, 0) = T(1);
  const Variable<T> log_p = log(add_scalar(sigmoid(mul(scores, Variable<T>(sign))), 1e-7));
  return mul_scalar(sum(log_p), -1.0 / static_cast<double>(n));
}

template <typename T>
Variable<T> Cbow<T>::forward(const Variable<T>& x) {
  throw std::logic_error("Cbow: takes token ids, not a float Variable of shape " + shape_str(x.shape()) +
                         "; call loss(contexts, candidates)");
}

template <typename T>
std::string Cbow<T>::describe() const {
  return "Cbow(" + std::to_string(W_in.shape()[0]) + ", " + std::to_string(W_in.shape()[1]) + ")";
}

template <typename T>
double train_cbow_epoch(Cbow<T>& model, Optimizer<T>& optimizer, const text::ContextTargets& data,
                        const text::UnigramSampler& sampler, std::size_t negatives, std::size_t batch_size,
                        Generator& gen) {
  const std::size_t m = data.targets.size(), c = data.contexts.shape(1);
  if (batch_size == 0 || negatives == 0) throw std::invalid_argument("train_cbow_epoch: batch_size and negatives must be >= 1");
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t(0));
  for (std::size_t i = m; i > 1; --i) std::swap(order[i - 1], order[gen.uniform_int(i)]);
  double total = 0;
  std::size_t batches = 0;
  for (std::size_t start = 0; start < m; start += batch_size) {
    const std::size_t b = std::min(batch_size, m - start);
    IndexTensor contexts = IndexTensor::from_shape({b, c});
    IndexTensor targets = IndexTensor::from_shape({b});
    for (std::size_t r = 0; r < b; ++r) {
      const std::size_t e = order[start + r];
      targets(r) = data.targets(e);
      for (std::size_t j = 0; j < c; ++j) contexts(r, j) = data.contexts(e, j);
    }
    const IndexTensor neg = sampler.sample(targets, negatives, gen);
    IndexTensor candidates = IndexTensor::from_shape({b, 1 + negatives});
    for (std::size_t r = 0; r < b; ++r) {
      candidates(r, 0) = targets(r);
      for (std::size_t j = 0; j < negatives; ++j) candidates(r, 1 + j) = neg(r, j);
    }
    optimizer.zero_grad();
    const Variable<T> loss = model.loss(contexts, candidates);
    loss.backward();
    optimizer.step();
    total += static_cast<double>(loss.item());
    ++batches;
  }
  return batches ? total / static_cast<double>(batches) : 0.0;
}

template class Cbow<float>;
template class Cbow<double>;
template double train_cbow_epoch<float>(Cbow<float>&, Optimizer<float>&, const text::ContextTargets&,
                                        const text::UnigramSampler&, std::size_t, std::size_t, Generator&);
template double train_cbow_epoch<double>(Cbow<double>&, Optimizer<double>&, const text::ContextTargets&,
                                         const text::UnigramSampler&, std::size_t, std::size_t, Generator&);

}  // namespace minidl::models
