#include "minidl/train/perplexity.hpp"

#include <cmath>

#include "minidl/core/grad_mode.hpp"
#include "minidl/ops/loss.hpp"
#include "minidl/text/bptt.hpp"

namespace minidl {

template <typename T>
PerplexityResult perplexity(LanguageModel<T>& model, const IndexTensor& ids, std::size_t batch, std::size_t bptt) {
  const text::BpttStreams streams(ids, batch, bptt, /*keep_tail=*/true);
  NoGradGuard no_grad;
  EvalModeGuard<T> eval(model);
  State<T> state;
  double total = 0;
  std::size_t tokens = 0;
  for (std::size_t w = 0; w < streams.windows(); ++w) {
    const text::BpttWindow window = streams.window(w);
    auto [scores, next] = model.forward(window.inputs, state);
    const std::size_t n = window.targets.size();
    total += static_cast<double>(softmax_cross_entropy(scores, window.targets).item()) * static_cast<double>(n);
    tokens += n;
    state = std::move(next);
  }
  PerplexityResult r;
  r.tokens = tokens;
  r.loss = total / static_cast<double>(tokens);
  r.perplexity = std::exp(r.loss);
  return r;
}

template PerplexityResult perplexity<float>(LanguageModel<float>&, const IndexTensor&, std::size_t, std::size_t);
template PerplexityResult perplexity<double>(LanguageModel<double>&, const IndexTensor&, std::size_t, std::size_t);

}  // namespace minidl
