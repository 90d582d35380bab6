#include "minidl/text/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minidl {
namespace text {

namespace {

void check_table(const Tensor<float>& w, const Vocabulary* vocabulary, const char* op) {
  if (w.dimension() != 2) throw std::invalid_argument(std::string(op) + ": word vectors must be (V,D), got " + shape_str(to_shape(w.shape())));
  if (vocabulary && w.shape(0) != vocabulary->size()) {
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(w.shape(0)) + " word vectors for a vocabulary of " +
                                std::to_string(vocabulary->size()));
  }
}

Index known_id(const std::string& word, const Vocabulary& vocabulary, const char* op) {
  if (!vocabulary.contains(word) || word == kUnk) {
    throw std::invalid_argument(std::string(op) + ": '" + word + "' is not in the vocabulary");
  }
  return vocabulary.id(word);
}

double norm(const float* x, std::size_t d) {
  double s = 0;
  for (std::size_t i = 0; i < d; ++i) s += double(x[i]) * x[i];
  return std::sqrt(s);
}

// The k rows most cosine-similar to `query`, skipping `excluded` ids and kUnk.
std::vector<ScoredWord> nearest(const std::vector<double>& query, const std::vector<Index>& excluded,
                                const Vocabulary& vocabulary, const Tensor<float>& w, std::size_t k) {
  const std::size_t v = w.shape(0), d = w.shape(1);
  double qn = 0;
  for (double x : query) qn += x * x;
  qn = std::sqrt(qn);
  std::vector<std::pair<double, Index>> scored;
  for (std::size_t i = 0; i < v; ++i) {
    const auto id = static_cast<Index>(i);
    if (std::find(excluded.begin(), excluded.end(), id) != excluded.end() || vocabulary.word(id) == kUnk) continue;
    const float* row = w.data() + i * d;
    const double rn = norm(row, d);
    double dot = 0;
    for (std::size_t j = 0; j < d; ++j) dot += query[j] * row[j];
    scored.emplace_back(rn > 0 && qn > 0 ? dot / (rn * qn) : 0.0, id);
  }
  k = std::min(k, scored.size());
  // Ties by id, so the answer is the same whatever the sort's algorithm.
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  std::vector<ScoredWord> out;
  for (std::size_t i = 0; i < k; ++i) out.emplace_back(vocabulary.word(scored[i].second), scored[i].first);
  return out;
}

}  // namespace

double cosine_similarity(const Tensor<float>& w, Index a, Index b) {
  check_table(w, nullptr, "cosine_similarity");
  const std::size_t v = w.shape(0), d = w.shape(1);
  for (Index id : {a, b}) {
    if (id < 0 || static_cast<std::size_t>(id) >= v) {
      throw std::invalid_argument("cosine_similarity: id " + std::to_string(id) + " is outside [0, " + std::to_string(v) + ")");
    }
  }
  const float* x = w.data() + static_cast<std::size_t>(a) * d;
  const float* y = w.data() + static_cast<std::size_t>(b) * d;
  double dot = 0;
  for (std::size_t j = 0; j < d; ++j) dot += double(x[j]) * y[j];
  const double n = norm(x, d) * norm(y, d);
  return n > 0 ? dot / n : 0.0;
}

std::vector<ScoredWord> most_similar(const std::string& word, const Vocabulary& vocabulary, const Tensor<float>& w,
                                     std::size_t k) {
  check_table(w, &vocabulary, "most_similar");
  const Index id = known_id(word, vocabulary, "most_similar");
  const std::size_t d = w.shape(1);
  const float* row = w.data() + static_cast<std::size_t>(id) * d;
  return nearest(std::vector<double>(row, row + d), {id}, vocabulary, w, k);
}

std::vector<ScoredWord> analogy(const std::string& a, const std::string& b, const std::string& c,
                                const Vocabulary& vocabulary, const Tensor<float>& w, std::size_t k) {
  check_table(w, &vocabulary, "analogy");
  const Index ia = known_id(a, vocabulary, "analogy"), ib = known_id(b, vocabulary, "analogy"),
              ic = known_id(c, vocabulary, "analogy");
  const std::size_t d = w.shape(1);
  std::vector<double> q(d, 0.0);
  const auto add = [&](Index id, double sign) {
    const float* row = w.data() + static_cast<std::size_t>(id) * d;
    const double n = norm(row, d);
    if (n > 0) {
      for (std::size_t j = 0; j < d; ++j) q[j] += sign * row[j] / n;
    }
  };
  add(ib, 1.0);
  add(ia, -1.0);
  add(ic, 1.0);
  return nearest(q, {ia, ib, ic}, vocabulary, w, k);
}

}  // namespace text
}  // namespace minidl
