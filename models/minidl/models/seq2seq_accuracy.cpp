#include "minidl/models/seq2seq_accuracy.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <minidl/core/grad_mode.hpp>

namespace minidl::models {

template <typename T>
double exact_match_accuracy(Seq2seqModel<T>& model, const text::Seq2seqExamples& examples, std::size_t batch) {
  const std::size_t m = examples.size();
  if (m == 0 || batch == 0) throw std::invalid_argument("exact_match_accuracy: needs examples and a positive batch");
  const std::size_t tt = examples.target.shape(1);
  if (tt < 2) throw std::invalid_argument("exact_match_accuracy: targets need at least 2 characters");
  const Index start = examples.target(0, 0);
  for (std::size_t i = 0; i < m; ++i) {
    if (examples.target(i, 0) != start) {
      throw std::invalid_argument("exact_match_accuracy: target " + std::to_string(i) + " starts with id " +
                                  std::to_string(examples.target(i, 0)) + ", target 0 with " + std::to_string(start));
    }
  }
  EvalModeGuard<T> eval(model);
  NoGradGuard no_grad;
  std::size_t correct = 0;
  for (std::size_t begin = 0; begin < m; begin += batch) {
    std::vector<std::size_t> rows(std::min(batch, m - begin));
    std::iota(rows.begin(), rows.end(), begin);
    const text::Seq2seqBatch b = text::make_batch(examples, rows);
    const IndexTensor guess = model.generate(b.source, start, tt - 1);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const Index* g = guess.data() + r * (tt - 1);
      const Index* want = b.labels.data() + r * (tt - 1);
      if (std::equal(g, g + tt - 1, want)) ++correct;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(m);
}

template double exact_match_accuracy<float>(Seq2seqModel<float>&, const text::Seq2seqExamples&, std::size_t);
template double exact_match_accuracy<double>(Seq2seqModel<double>&, const text::Seq2seqExamples&, std::size_t);

}  // namespace minidl::models
