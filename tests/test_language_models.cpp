// The sequel's language models: shapes and settings, gradient checks of Rnnlm, LstmLm and
// BetterRnnlm (dropout and the tied embedding included) in float64, the tied weight listed and
// checkpointed once, perplexity over a stream, and reproducible generation that never says <unk>.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <minidl/check/catch_gradcheck.hpp>
#include <minidl/minidl.hpp>
#include <minidl/models/language_models.hpp>

#include "minidl/io/checkpoint.hpp"
#include "minidl/nn/dropout.hpp"
#include "minidl/ops/loss.hpp"
#include "minidl/train/generate.hpp"
#include "minidl/train/perplexity.hpp"
#include "test_support.hpp"

using namespace minidl;
using namespace minidl::models;
using minidl_test::contains;
using minidl_test::message_of;

namespace {

IndexTensor random_ids(std::size_t n, std::size_t t, std::size_t vocabulary, Generator& gen) {
  IndexTensor ids = IndexTensor::from_shape({n, t});
  for (auto& id : ids) id = static_cast<Index>(gen.uniform_int(vocabulary));
  return ids;
}

// Gradient-checks loss(model(ids, state0), targets) with respect to every parameter and the initial
// state. Dropout generators are re-seeded before each forward so every call draws the same masks.
void check_gradients(RecurrentLm<double>& model, std::size_t state_tensors, Generator& gen) {
  const std::size_t V = model.vocabulary_size(), H = model.config().hidden, L = model.config().layers;
  const IndexTensor ids = random_ids(2, 3, V, gen), targets = random_ids(2, 3, V, gen);
  State<double> state0;
  for (std::size_t k = 0; k < state_tensors; ++k) state0.push_back(uniform<double>({L, 2, H}, gen, -0.5, 0.5, true));
  const std::vector<Generator*> masks = dropout_generators(model);
  auto f = [&](const std::vector<Variable<double>>&) {
    for (Generator* g : masks) g->seed(7);
    auto [scores, state] = model.forward(ids, state0);
    // The final state enters the output too, so its gradient path is checked as well.
    Variable<double> out = softmax_cross_entropy(scores, targets);
    for (const auto& s : state) out = add(out, mul_scalar(sum(mul(s, s)), 0.1));
    return out;
  };
  std::vector<Variable<double>> inputs = model.parameters();
  for (const auto& s : state0) inputs.push_back(s);
  MINIDL_REQUIRE_GRADCHECK(f, inputs);
}

std::string temp_path(const std::string& name) { return "minidl_test_" + std::to_string(::getpid()) + "_" + name; }

}  // namespace

TEST_CASE("language models map (N,T) ids to (N,T,V) scores and carry their state", "[lm][models]") {
  Generator gen(1);
  Rnnlm<float> rnn(20, 6, 5, gen);
  LstmLm<float> lstm(20, 6, 5, gen);
  BetterRnnlm<float> better(20, 5, 0.5, gen);
  const IndexTensor ids = random_ids(3, 4, 20, gen);
  for (RecurrentLm<float>* m : {static_cast<RecurrentLm<float>*>(&rnn), static_cast<RecurrentLm<float>*>(&lstm),
                                static_cast<RecurrentLm<float>*>(&better)}) {
    INFO(m->describe());
    auto [scores, state] = m->forward(ids, {});
    CHECK(scores.shape() == Shape{3, 4, 20});
    REQUIRE(state.size() == (m->config().cell == LmCell::Rnn ? 1u : 2u));
    CHECK(state[0].shape() == Shape{m->config().layers, 3, 5});
    // Reading the ids in two windows with the state carried gives the scores of one read (eval
    // mode, so dropout does not draw different masks).
    EvalModeGuard<float> eval(*m);
    const Variable<float> whole = m->forward(ids, {}).first;
    IndexTensor first = IndexTensor::from_shape({3, 2}), second = IndexTensor::from_shape({3, 2});
    for (std::size_t n = 0; n < 3; ++n) {
      for (std::size_t t = 0; t < 2; ++t) {
        first(n, t) = ids(n, t);
        second(n, t) = ids(n, t + 2);
      }
    }
    auto [a, sa] = m->forward(first, {});
    const Variable<float> b = m->forward(second, sa).first;
    for (std::size_t n = 0; n < 3; ++n) {
      for (std::size_t v = 0; v < 20; ++v) {
        CHECK(b.data()(n, 1, v) == Approx(whole.data()(n, 3, v)).margin(1e-6));
      }
    }
  }
  CHECK(rnn.describe() == "RecurrentLm(rnn, V=20, D=6, H=5, layers=1)");
  CHECK(better.describe() == "RecurrentLm(lstm, V=20, D=5, H=5, layers=2, dropout=0.5, tied)");
  CHECK_THROWS_AS(rnn.forward(Variable<float>(Tensor<float>({1.0f, 2.0f}))), std::logic_error);
  CHECK(contains(message_of([&] { rnn.forward(IndexTensor{1, 2}, {}); }), "(N,T)"));
  CHECK(contains(message_of([&] { rnn.forward(IndexTensor{{1, 20}}, {}); }), "20"));
  RecurrentLmConfig bad = BetterRnnlm<float>::config_for(20, 5, 0.5);
  bad.embedding = 6;
  CHECK(contains(message_of([&] { RecurrentLm<float>(bad, gen); }), "embedding == hidden"));
  bad = Rnnlm<float>::config_for(20, 6, 5);
  bad.dropout = 1.0;
  CHECK(contains(message_of([&] { RecurrentLm<float>(bad, gen); }), "dropout"));
}

TEST_CASE("Rnnlm passes gradcheck in float64", "[lm][models][gradcheck]") {
  Generator gen(2);
  Rnnlm<double> model(7, 3, 4, gen);
  check_gradients(model, 1, gen);
}

TEST_CASE("LstmLm passes gradcheck in float64", "[lm][models][gradcheck]") {
  Generator gen(3);
  LstmLm<double> model(7, 3, 4, gen);
  check_gradients(model, 2, gen);
}

TEST_CASE("BetterRnnlm passes gradcheck with dropout and the tied embedding", "[lm][models][gradcheck]") {
  Generator gen(4);
  BetterRnnlm<double> model(7, 4, 0.3, gen);
  // Embedding values of N(0, 0.01²) would make the scores' share of embed.W's gradient tiny next to
  // the lookup's; larger values let the check see both.
  model.embed->W.data() = randn_tensor<double>({7, 4}, gen, 0.0, 0.5);
  check_gradients(model, 2, gen);
}

TEST_CASE("the tied weight is one parameter, listed once and checkpointed once", "[lm][models][checkpoint]") {
  Generator gen(5);
  BetterRnnlm<float> model(30, 8, 0.5, gen);
  std::set<std::string> names;
  for (const auto& [name, p] : model.named_parameters()) names.insert(name);
  const auto params = model.named_parameters();
  CHECK(names.size() == params.size());
  CHECK(names.count("embed.W") == 1);
  CHECK(names.count("b") == 1);
  CHECK(names.count("fc.W") == 0);
  std::size_t tables = 0;  // parameters of the embedding's shape (V,D): only the shared one
  for (const auto& [name, p] : params) tables += p.shape() == Shape{30, 8} ? 1 : 0;
  CHECK(tables == 1);
  CHECK(model.fc == nullptr);

  // The gradient of the shared table gathers both uses: rows of words that never occur in the
  // input still get a gradient, through the output layer.
  const IndexTensor ids{{1, 1, 1}}, targets{{2, 2, 2}};
  model.eval();
  softmax_cross_entropy(model.forward(ids, {}).first, targets).backward();
  const Tensor<float>& g = model.embed->W.grad().data();
  double unused_row = 0;
  for (std::size_t d = 0; d < 8; ++d) unused_row += std::abs(g(5, d));
  CHECK(unused_row > 0);

  // Round trip through a checkpoint into a model drawn from another seed: the same scores, which
  // the output layer can only give if it reads the loaded table.
  const std::string path = temp_path("tied.ckpt");
  save_checkpoint(model, path);
  Generator other(99);
  BetterRnnlm<float> loaded(30, 8, 0.5, other);
  loaded.eval();
  REQUIRE_FALSE(allclose(loaded.forward(ids, {}).first, model.forward(ids, {}).first));
  load_checkpoint(loaded, path);
  std::remove(path.c_str());
  CHECK((loaded.embed->W.data() == model.embed->W.data()));
  CHECK((loaded.forward(ids, {}).first.data() == model.forward(ids, {}).first.data()));
}

TEST_CASE("RecurrentLmConfig round-trips through JSON and names a bad field", "[lm][models]") {
  const RecurrentLmConfig c = BetterRnnlm<float>::config_for(100, 16, 0.25);
  const RecurrentLmConfig back = RecurrentLmConfig::from_json(c.to_json());
  CHECK(back.to_json() == c.to_json());
  CHECK(back.tie_weights);
  nlohmann::json j = c.to_json();
  j.erase("hidden");
  CHECK(contains(message_of([&] { RecurrentLmConfig::from_json(j); }), "'hidden' is missing"));
  j = c.to_json();
  j["cell"] = "gru";
  CHECK(contains(message_of([&] { RecurrentLmConfig::from_json(j); }), "'cell'"));
}

TEST_CASE("perplexity is exp of the mean cross-entropy over every token of the stream", "[lm][perplexity]") {
  Generator gen(6);
  LstmLm<double> model(9, 4, 4, gen);
  IndexTensor ids = IndexTensor::from_shape({41});
  for (auto& id : ids) id = static_cast<Index>(gen.uniform_int(9));
  // 2 streams of 20 steps in windows of 6: 3 full windows and a tail of 2 steps.
  const PerplexityResult r = perplexity(model, ids, 2, 6);
  CHECK(r.tokens == 40);
  // The same number from one forward over whole streams (the state carried inside the layer).
  IndexTensor x = IndexTensor::from_shape({2, 20}), t = IndexTensor::from_shape({2, 20});
  for (std::size_t n = 0; n < 2; ++n) {
    for (std::size_t s = 0; s < 20; ++s) {
      x(n, s) = ids(n * 20 + s);
      t(n, s) = ids(n * 20 + s + 1);
    }
  }
  const double loss = softmax_cross_entropy(model.forward(x, {}).first, t).item();
  CHECK(r.loss == Approx(loss).epsilon(1e-12));
  CHECK(r.perplexity == Approx(std::exp(loss)).epsilon(1e-12));
  // An untrained model is close to a uniform guess among the 9 words.
  CHECK(r.perplexity > 7);
  CHECK(r.perplexity < 11);
  CHECK(model.is_training());  // the mode is restored
  CHECK(contains(message_of([&] { perplexity(model, ids, 50, 6); }), "too few"));
}

TEST_CASE("generation is reproducible from a seed and never emits a skipped id", "[lm][generate]") {
  Generator gen(7);
  LstmLm<float> model(12, 6, 6, gen);
  // Make id 0 (<unk> in a capped vocabulary) by far the likeliest next word.
  model.fc->b.data()(0) = 20.0f;
  Generator a(42), b(42), c(43);
  const std::vector<Index> first = generate_tokens(model, {3}, 200, a, {0});
  const std::vector<Index> again = generate_tokens(model, {3}, 200, b, {0});
  const std::vector<Index> other = generate_tokens(model, {3}, 200, c, {0});
  REQUIRE(first.size() == 200);
  CHECK(first == again);
  CHECK(first != other);
  std::set<Index> seen(first.begin(), first.end());
  CHECK(seen.count(0) == 0);
  CHECK(seen.size() > 3);  // it samples, it does not always pick one word
  // Without the skip the favoured id dominates.
  Generator d(42);
  const std::vector<Index> free = generate_tokens(model, {3, 4}, 50, d);
  CHECK(std::count(free.begin(), free.end(), 0) > 40);
  CHECK(contains(message_of([&] { generate_tokens(model, {}, 5, d); }), "prompt is empty"));
  CHECK(contains(message_of([&] { generate_tokens(model, {1}, 5, d, {12}); }), "outside"));
  std::vector<Index> all;
  for (Index i = 0; i < 12; ++i) all.push_back(i);
  CHECK(contains(message_of([&] { generate_tokens(model, {1}, 5, d, all); }), "every one"));
}
