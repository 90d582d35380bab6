// CBOW with negative sampling: the contexts, the unigram^0.75 sampler, the loss against a direct
// computation, and on the real corpus: a few epochs bring words that occur in alike contexts
// closer together than random pairs of the same words.

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "minidl/models/cbow.hpp"
#include "minidl/optim/adam.hpp"
#include "minidl/text/corpus.hpp"
#include "minidl/text/cooccurrence.hpp"
#include "minidl/text/negative_sampling.hpp"
#include "test_support.hpp"
#include "text_pairs.hpp"

using namespace minidl;
using namespace minidl::text;

TEST_CASE("make_contexts pairs each inner token with its window", "[text][cbow]") {
  const IndexTensor ids = {0, 1, 2, 3, 4};
  const ContextTargets ct = make_contexts(ids, 1);
  CHECK(ct.contexts == IndexTensor{{0, 2}, {1, 3}, {2, 4}});
  CHECK(ct.targets == IndexTensor{1, 2, 3});
  const ContextTargets two = make_contexts(ids, 2);
  CHECK(two.contexts == IndexTensor{{0, 1, 3, 4}});
  CHECK(two.targets == IndexTensor{2});
  CHECK_THROWS_AS(make_contexts(ids, 3), std::invalid_argument);
  CHECK_THROWS_AS(make_contexts(ids, 0), std::invalid_argument);
}

TEST_CASE("UnigramSampler draws count^0.75, avoids the target, replays with a seed", "[text][cbow]") {
  const UnigramSampler sampler({16, 1, 0, 81});
  const double z = 8.0 + 1.0 + 27.0;  // 16^0.75, 1, 0, 81^0.75
  CHECK(sampler.probability(0) == Approx(8.0 / z));
  CHECK(sampler.probability(2) == 0);
  CHECK(sampler.probability(3) == Approx(27.0 / z));
  Generator gen(3);
  std::map<Index, int> seen;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) ++seen[sampler.draw(gen)];
  CHECK(seen.count(2) == 0);
  CHECK(seen[3] / double(draws) == Approx(27.0 / z).margin(0.02));
  CHECK(seen[0] / double(draws) == Approx(8.0 / z).margin(0.02));

  const IndexTensor targets = {3, 0, 3};
  Generator a(7), b(7);
  const IndexTensor neg = sampler.sample(targets, 50, a);
  CHECK(neg == sampler.sample(targets, 50, b));
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t j = 0; j < 50; ++j) CHECK(neg(r, j) != targets(r));
  }
  CHECK_THROWS_AS(UnigramSampler({0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(UnigramSampler({5, 0}).sample(IndexTensor{0}, 1, a), std::invalid_argument);
}

TEST_CASE("Cbow loss equals the sigmoid cross-entropy computed by hand", "[text][cbow]") {
  Generator gen(1);
  models::Cbow<double> model(6, 3, gen);
  model.W_in.data() *= 100.0;  // scores far from 0, so a wrong sign would show
  model.W_out.data() *= 100.0;
  const IndexTensor contexts = {{0, 2}, {5, 1}};
  const IndexTensor candidates = {{1, 3, 4}, {2, 0, 0}};
  const double got = model.loss(contexts, candidates).item();
  double expected = 0;
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t j = 0; j < 3; ++j) {
      double s = 0;
      for (std::size_t d = 0; d < 3; ++d) {
        const double h = (model.W_in.data()(contexts(r, 0), d) + model.W_in.data()(contexts(r, 1), d)) / 2;
        s += h * model.W_out.data()(candidates(r, j), d);
      }
      const double p = 1 / (1 + std::exp(-s));
      expected -= std::log((j == 0 ? p : 1 - p) + 1e-7);
    }
  }
  CHECK(got == Approx(expected / 2).epsilon(1e-9));
  CHECK_THROWS_AS(model.loss(contexts, IndexTensor{{1, 2}}), std::invalid_argument);
  CHECK_THROWS_AS(model.forward(model.W_in), std::logic_error);
}

TEST_CASE("CBOW vectors: words with alike contexts are closer than random pairs on the fortunes corpus", "[text][cbow][corpus]") {
  if (!fortunes_available()) {
    WARN("skipped: the Debian package 'fortunes' is not installed (scripts/setup.sh installs it)");
    return;
  }
  const text_pairs::Slice slice = text_pairs::fortunes_slice(8000, 1000);
  Generator gen(1);
  models::Cbow<float> model(slice.vocab.size(), 50, gen);
  Adam<float> adam(model.parameters(), 0.003);
  const ContextTargets data = make_contexts(slice.ids, 2);
  const UnigramSampler sampler(slice.vocab.counts());
  double first = 0, last = 0;
  for (int epoch = 0; epoch < 3; ++epoch) {
    last = models::train_cbow_epoch(model, adam, data, sampler, 5, 100, gen);
    if (epoch == 0) first = last;
  }
  const Tensor<float> c = cooccurrence_matrix(slice.ids, slice.vocab.size(), 2);
  const text_pairs::Margin m = text_pairs::pair_margin(model.W_in.data(), ppmi(c), slice.vocab, 200);
  INFO("loss " << first << " -> " << last << "; pairs with alike contexts " << m.alike << ", random pairs " << m.random);
  CHECK(last < first);
  // Measured: 0.56 against 0.23 (8000 lines, 1000 words, window 2, 50 dimensions, 3 epochs).
  CHECK(m.alike - m.random > 0.15);
}
