// The seq2seq task under the Trainer: its metrics and selection, its batches resumed mid-epoch bit
// for bit from state(), clear errors, and a short run whose accuracy is measured every epoch.

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "minidl/models/seq2seq_task.hpp"
#include "minidl/nn/linear.hpp"
#include "minidl/optim/adam.hpp"
#include "minidl/text/seq2seq_data.hpp"
#include "minidl/text/toy_sequences.hpp"
#include "minidl/train/trainer.hpp"
#include "test_support.hpp"

using namespace minidl;
using namespace minidl::models;
using minidl_test::contains;
using minidl_test::message_of;

namespace {

struct Toy {
  text::Vocabulary vocab;
  text::Seq2seqSplit split;
};

Toy toy(std::size_t validation) {
  const text::SequencePairs pairs = text::make_addition(300, 7, 2);
  Toy t;
  t.vocab = text::char_vocabulary(pairs);
  t.split = text::split_examples(text::encode_pairs(pairs, t.vocab, true), validation, 40, 7);
  return t;
}

}  // namespace

TEST_CASE("Seq2seqTask reports val_acc only with a validation split and selects by it", "[seq2seq][task]") {
  Generator gen(1);
  const Toy with = toy(30), without = toy(0);
  PeekySeq2seq<float> model({with.vocab.size(), 4, 8}, gen);
  Seq2seqTask<float> a(with.split, 16, 3), b(without.split, 16, 3);
  CHECK(a.steps_per_epoch() == 15);  // 230 training pairs in batches of 16
  CHECK(a.batch_size() == 16);
  const std::vector<Metric> ma = a.evaluate(model), mb = b.evaluate(model);
  REQUIRE(ma.size() == 2);
  CHECK(ma[0].name == "val_acc");
  CHECK(ma[1].name == "test_acc");
  CHECK((ma[1].value >= 0.0 && ma[1].value <= 1.0));
  REQUIRE(mb.size() == 1);
  CHECK(mb[0].name == "test_acc");
  CHECK(a.selection().metric == "val_acc");
  CHECK(a.selection().higher_is_better);
  CHECK(b.selection().metric.empty());
}

TEST_CASE("Seq2seqTask restored from state() gives the same batches mid-epoch", "[seq2seq][task][resume]") {
  Generator gen(2);
  const Toy t = toy(0);
  PeekySeq2seq<double> model({t.vocab.size(), 4, 8}, gen);
  Seq2seqTask<double> first(t.split, 16, 3);
  first.start_epoch(1);
  first.start_epoch(2);
  const nlohmann::json saved = nlohmann::json::parse(first.state().dump());
  const double want = first.loss(model, 5).data()();

  Seq2seqTask<double> second(t.split, 16, 999);  // another seed: only the restored state may count
  second.restore(saved);
  CHECK(second.loss(model, 5).data()() == want);
  first.start_epoch(3);
  second.start_epoch(3);
  CHECK(second.loss(model, 0).data()() == first.loss(model, 0).data()());

  CHECK(contains(message_of<std::invalid_argument>([&] { second.restore(nlohmann::json::object()); }), "sampler"));
  CHECK(second.loss(model, 0).data()() == first.loss(model, 0).data()());  // a failed restore changed nothing
}

TEST_CASE("Seq2seqTask names a model that is not a seq2seq model and empty splits", "[seq2seq][task]") {
  Generator gen(3);
  const Toy t = toy(0);
  Seq2seqTask<float> task(t.split, 16, 3);
  task.start_epoch(1);
  Linear<float> linear(2, 2, gen);
  CHECK(contains(message_of<std::invalid_argument>([&] { task.loss(linear, 0); }), "not a Seq2seqModel"));
  text::Seq2seqSplit empty_test = t.split;
  empty_test.test = text::Seq2seqExamples{};
  CHECK_THROWS_AS(Seq2seqTask<float>(empty_test, 16, 3), std::invalid_argument);
  CHECK_THROWS_AS(Seq2seqTask<float>(t.split, 0, 3), std::invalid_argument);
}

TEST_CASE("the Trainer trains a seq2seq task and measures test_acc every epoch", "[seq2seq][task][trainer]") {
  Generator gen(4);
  const Toy t = toy(20);
  AttentionSeq2seq<float> model({t.vocab.size(), 8, 16}, gen);
  Adam<float> optimizer(model.parameters(), 0.01);
  Seq2seqTask<float> task(t.split, 16, 5);
  TrainerOptions options;
  options.epochs = 3;
  Trainer<float> trainer(model, optimizer, task, options);
  const TrainHistory& h = trainer.fit();
  REQUIRE(h.epochs.size() == 3);
  for (const EpochStats& e : h.epochs) {
    CHECK(!std::isnan(e.metric("val_acc")));
    CHECK(!std::isnan(e.metric("test_acc")));
  }
  CHECK(h.epochs.back().loss < h.epochs.front().loss);  // it learns
  CHECK(model.is_training());                            // evaluation left the mode as it was
}
