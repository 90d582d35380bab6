#include "minidl/train/generate.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "minidl/core/grad_mode.hpp"

namespace minidl {

namespace {


template <typename T>
Index draw(const T* scores, std::size_t V, const std::vector<char>& skipped, Generator& gen) {
  double top = -INFINITY;
  for (std::size_t v = 0; v < V; ++v) {
    if (!skipped[v]) top = std::max(top, static_cast<double>(scores[v]));
  }
  std::vector<double> weights(V, 0.0);
  double sum = 0;
  for (std::size_t v = 0; v < V; ++v) {
    if (!skipped[v]) sum += weights[v] = std::exp(static_cast<double>(scores[v]) - top);
  }
  if (!(sum > 0) || !std::isfinite(sum)) {
    throw std::invalid_argument("generate_tokens: no id left to sample (scores not finite or every id skipped)");
  }
  // The first id whose cumulative weight passes u·sum; a skipped id has weight 0 and is never
  // chosen, also when u·sum lands exactly on a boundary.
  const double u = gen.uniform() * sum;
  double acc = 0;
  Index last = -1;
  for (std::size_t v = 0; v < V; ++v) {
    if (weights[v] <= 0) continue;
    acc += weights[v];
    last = static_cast<Index>(v);
    if (u < acc) return last;
  }
  return last;  // rounding left u at the very top
}

}  // namespace

template <typename T>
std::vector<Index> generate_tokens(LanguageModel<T>& model, const std::vector<Index>& prompt, std::size_t count,
                            Generator& gen, const std::vector<Index>& skip) {
  if (prompt.empty()) throw std::invalid_argument("generate_tokens: the prompt is empty");
  const std::size_t V = model.vocabulary_size();
  std::vector<char> skipped(V, 0);
  for (const Index id : skip) {
    if (id < 0 || static_cast<std::size_t>(id) >= V) {
      throw std::invalid_argument("generate_tokens: skipped id " + std::to_string(id) + " is outside [0, " +
                                  std::to_string(V) + ")");
    }
    skipped[static_cast<std::size_t>(id)] = 1;
  }
  if (std::all_of(skipped.begin(), skipped.end(), [](char s) { return s != 0; })) {
    throw std::invalid_argument("generate_tokens: every one of the " + std::to_string(V) + " ids is skipped");
  }
  NoGradGuard no_grad;
  EvalModeGuard<T> eval(model);
  IndexTensor ids = IndexTensor::from_shape({std::size_t(1), prompt.size()});
  std::copy(prompt.begin(), prompt.end(), ids.begin());
  std::vector<Index> out;
  out.reserve(count);
  State<T> state;
  for (std::size_t k = 0; k < count; ++k) {
    auto [scores, next] = model.forward(ids, state);  // (1, steps, V)
    state = std::move(next);
    const T* last_row = scores.data().data() + (scores.size() - V);
    const Index id = draw(last_row, V, skipped, gen);
    out.push_back(id);
    ids = IndexTensor::from_shape({std::size_t(1), std::size_t(1)});
    ids(0, 0) = id;
  }
  return out;
}

template std::vector<Index> generate_tokens<float>(LanguageModel<float>&, const std::vector<Index>&, std::size_t, Generator&,
                                            const std::vector<Index>&);
template std::vector<Index> generate_tokens<double>(LanguageModel<double>&, const std::vector<Index>&, std::size_t,
                                             Generator&, const std::vector<Index>&);

}  // namespace minidl
