// The seq2seq models: gradients (float64 gradcheck of every parameter), one-step decoding equal to
// the teacher-forced pass, greedy generation, attention weights, and exact-match accuracy.

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "minidl/check/gradcheck.hpp"
#include "minidl/core/grad_mode.hpp"
#include "minidl/models/seq2seq.hpp"
#include "minidl/models/seq2seq_accuracy.hpp"
#include "minidl/ops/shape.hpp"
#include "minidl/text/seq2seq_data.hpp"

using namespace minidl;
using namespace minidl::models;

namespace {

const char* const kKinds[] = {"baseline", "peeky", "attention"};

// A batch of N=2 random ids: source (2,3), decoder input and labels (2,3), vocabulary 5.
text::Seq2seqBatch tiny_batch() {
  text::Seq2seqBatch b;
  b.source = {{1, 4, 2}, {3, 0, 0}};
  b.decoder_input = {{0, 2, 3}, {0, 1, 1}};
  b.labels = {{2, 3, 4}, {1, 1, 4}};
  return b;
}

}  // namespace

TEST_CASE("every seq2seq model passes gradcheck on all its parameters in float64", "[seq2seq][gradcheck]") {
  for (const char* kind : kKinds) {
    INFO(kind);
    Generator gen(5);
    auto model = make_seq2seq<double>(kind, {5, 3, 4}, gen);
    // The book's 0.01 embeddings give gradients near atol; larger ones make the check meaningful.
    for (auto& [name, p] : model->named_parameters()) {
      if (name.find("embed") != std::string::npos) p.data() *= 50.0;
    }
    const text::Seq2seqBatch batch = tiny_batch();
    auto f = [&](const std::vector<Variable<double>>&) { return model->loss(batch); };
    const GradcheckReport report = gradcheck(f, model->parameters());
    INFO(report.str());
    CHECK(report.passed);
    CHECK(report.inputs.size() == model->parameters().size());
  }
}

TEST_CASE("decoding one step at a time gives the teacher-forced scores", "[seq2seq]") {
  for (const char* kind : kKinds) {
    INFO(kind);
    Generator gen(6);
    auto model = make_seq2seq<double>(kind, {5, 3, 4}, gen);
    const text::Seq2seqBatch b = tiny_batch();
    const Variable<double> all = model->logits(b.source, b.decoder_input);  // (2,3,5)
    REQUIRE(all.shape() == Shape{2, 3, 5});
    const Encoded<double> enc = model->encoder->encode(b.source);
    State<double> state;
    for (std::size_t t = 0; t < 3; ++t) {
      IndexTensor step = IndexTensor::from_shape({2, 1});
      step(0, 0) = b.decoder_input(0, t);
      step(1, 0) = b.decoder_input(1, t);
      const Variable<double> one = model->decoder->decode(step, enc, state);
      const Tensor<double> want = slice(all, 1, t, t + 1).data();
      for (std::size_t i = 0; i < want.size(); ++i) CHECK(one.data().data()[i] == Approx(want.data()[i]).margin(1e-12));
    }
  }
}

TEST_CASE("greedy generation picks the highest score given its own previous choices", "[seq2seq]") {
  for (const char* kind : kKinds) {
    INFO(kind);
    Generator gen(7);
    auto model = make_seq2seq<double>(kind, {5, 3, 4}, gen);
    const text::Seq2seqBatch b = tiny_batch();
    const IndexTensor out = model->generate(b.source, 0, 4);
    REQUIRE(out.shape(0) == 2);
    REQUIRE(out.shape(1) == 4);
    // Feed [start, g0, g1, g2] with teacher forcing: the argmax at every position must be g_t.
    IndexTensor fed = IndexTensor::from_shape({2, 4});
    for (std::size_t i = 0; i < 2; ++i) {
      fed(i, 0) = 0;
      for (std::size_t t = 1; t < 4; ++t) fed(i, t) = out(i, t - 1);
    }
    NoGradGuard no_grad;
    const Tensor<double> scores = model->logits(b.source, fed).data();
    for (std::size_t i = 0; i < 2; ++i) {
      for (std::size_t t = 0; t < 4; ++t) {
        for (std::size_t k = 0; k < 5; ++k) CHECK(scores(i, t, k) <= scores(i, t, static_cast<std::size_t>(out(i, t))));
      }
    }
  }
}

TEST_CASE("AttentionSeq2seq returns one distribution over the source per output step", "[seq2seq]") {
  Generator gen(8);
  AttentionSeq2seq<float> model({5, 3, 4}, gen);
  const text::Seq2seqBatch b = tiny_batch();
  Tensor<float> weights;
  const IndexTensor out = model.generate(b.source, 0, 4, &weights);
  REQUIRE(weights.shape(0) == 2);
  REQUIRE(weights.shape(1) == 4);
  REQUIRE(weights.shape(2) == 3);
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t t = 0; t < 4; ++t) {
      float total = 0;
      for (std::size_t s = 0; s < 3; ++s) {
        CHECK(weights(i, t, s) > 0.0f);
        total += weights(i, t, s);
      }
      CHECK(total == Approx(1.0f).epsilon(1e-5));
    }
  }
  CHECK(model.attends());
  PeekySeq2seq<float> peeky({5, 3, 4}, gen);
  CHECK_FALSE(peeky.attends());
  CHECK_THROWS_AS(peeky.generate(b.source, 0, 4, &weights), std::invalid_argument);
}

TEST_CASE("seq2seq models reject float inputs, bad shapes and unknown kinds", "[seq2seq]") {
  Generator gen(9);
  auto model = make_seq2seq<float>("baseline", {5, 3, 4}, gen);
  CHECK_THROWS_AS(model->forward(Variable<float>(zeros_tensor<float>({2, 3}))), std::logic_error);
  const IndexTensor src = {{1, 2}, {3, 4}};
  CHECK_THROWS_AS(model->logits(src, IndexTensor{{0, 1}}), std::invalid_argument);  // batch 1 vs 2
  CHECK_THROWS_AS(model->logits(IndexTensor{1, 2}, src), std::invalid_argument);     // 1-D source
  CHECK_THROWS_AS(model->logits(src, IndexTensor{{0, 9}, {0, 0}}), std::invalid_argument);  // id 9 >= V
  CHECK_THROWS_AS(make_seq2seq<float>("transformer", {5, 3, 4}, gen), std::invalid_argument);
  CHECK_THROWS_AS(Seq2seq<float>({0, 3, 4}, gen), std::invalid_argument);
  CHECK(model->describe() == "Seq2seq(V=5, D=3, H=4)");
}

TEST_CASE("exact_match_accuracy counts whole answers, restoring the model's mode", "[seq2seq]") {
  Generator gen(10);
  PeekySeq2seq<float> model({5, 3, 4}, gen);
  // Targets made of the model's own greedy answers are all right; change one character of one
  // answer and exactly that example turns wrong.
  text::Seq2seqExamples ex;
  ex.source = IndexTensor::from_shape({7, 3});
  for (std::size_t i = 0; i < ex.source.size(); ++i) ex.source.data()[i] = static_cast<Index>((i * 7 + 3) % 5);
  const IndexTensor answers = model.generate(ex.source, 0, 3);
  ex.target = IndexTensor::from_shape({7, 4});
  for (std::size_t i = 0; i < 7; ++i) {
    ex.target(i, 0) = 0;
    for (std::size_t t = 0; t < 3; ++t) ex.target(i, t + 1) = answers(i, t);
  }
  model.train();
  CHECK(exact_match_accuracy(model, ex, 3) == 1.0);
  CHECK(model.is_training());
  ex.target(5, 2) = (ex.target(5, 2) + 1) % 5;
  CHECK(exact_match_accuracy(model, ex, 2) == Approx(6.0 / 7.0));
  ex.target(1, 0) = 1;
  CHECK_THROWS_AS(exact_match_accuracy(model, ex), std::invalid_argument);
}
