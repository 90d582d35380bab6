#include "minidl/text/negative_sampling.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace minidl {
namespace text {

ContextTargets make_contexts(const IndexTensor& ids, std::size_t window) {
  if (ids.dimension() != 1) throw std::invalid_argument("make_contexts: ids must be a 1-d stream");
  if (window == 0) throw std::invalid_argument("make_contexts: window must be >= 1");
  const std::size_t n = ids.size();
  if (n < 2 * window + 1) {
    throw std::invalid_argument("make_contexts: " + std::to_string(n) + " tokens are too few for window " +
                                std::to_string(window));
  }
  const std::size_t m = n - 2 * window;
  ContextTargets out;
  out.contexts = IndexTensor::from_shape({m, 2 * window});
  out.targets = IndexTensor::from_shape({m});
  for (std::size_t r = 0; r < m; ++r) {
    const std::size_t t = r + window;
    out.targets(r) = ids(t);
    std::size_t c = 0;
    for (std::size_t j = t - window; j <= t + window; ++j) {
      if (j != t) out.contexts(r, c++) = ids(j);
    }
  }
  return out;
}

UnigramSampler::UnigramSampler(const std::vector<std::size_t>& counts, double power) {
  if (counts.empty()) throw std::invalid_argument("UnigramSampler: no counts");
  if (!(power >= 0)) throw std::invalid_argument("UnigramSampler: power must be >= 0");
  cumulative_.resize(counts.size());
  double total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    total += counts[i] > 0 ? std::pow(static_cast<double>(counts[i]), power) : 0.0;
    cumulative_[i] = total;
  }
  if (total <= 0) throw std::invalid_argument("UnigramSampler: the counts sum to zero");
  for (double& c : cumulative_) c /= total;
  cumulative_.back() = 1.0;
}

Index UnigramSampler::draw(Generator& gen) const {
  const double u = gen.uniform();  // [0, 1)
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return static_cast<Index>(std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()), cumulative_.size() - 1));
}

double UnigramSampler::probability(Index id) const {
  const auto i = static_cast<std::size_t>(id);
  if (id < 0 || i >= cumulative_.size()) return 0.0;
  return cumulative_[i] - (i == 0 ? 0.0 : cumulative_[i - 1]);
}

IndexTensor UnigramSampler::sample(const IndexTensor& targets, std::size_t k, Generator& gen) const {
  if (targets.dimension() != 1) throw std::invalid_argument("UnigramSampler::sample: targets must be 1-d");
  IndexTensor out = IndexTensor::from_shape({targets.size(), k});
  for (std::size_t r = 0; r < targets.size(); ++r) {
    if (probability(targets(r)) >= 1.0) {
      throw std::invalid_argument("UnigramSampler::sample: id " + std::to_string(targets(r)) +
                                  " is the only id with a non-zero probability; no negative exists");
    }
    for (std::size_t j = 0; j < k; ++j) {
      Index id = draw(gen);
      while (id == targets(r)) id = draw(gen);
      out(r, j) = id;
    }
  }
  return out;
}

}  // namespace text
}  // namespace minidl
