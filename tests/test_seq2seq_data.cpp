// Seq2seq batching: character ids, fixed widths, reversed sources, the shifted decoder input and
// labels, seeded splits, and shuffled batches that resume bit for bit.

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "minidl/data/shuffled_batches.hpp"
#include "minidl/text/seq2seq_data.hpp"
#include "test_support.hpp"

using namespace minidl;
using namespace minidl::text;
using minidl_test::contains;
using minidl_test::message_of;

namespace {

std::string row_text(const IndexTensor& m, std::size_t r, const Vocabulary& vocab) {
  std::vector<Index> ids(m.data() + r * m.shape(1), m.data() + (r + 1) * m.shape(1));
  return decode_chars(ids, vocab);
}

}  // namespace

TEST_CASE("encode_pairs maps characters to ids and back, reversing the source on request", "[text][seq2seq]") {
  SequencePairs pairs{{"16+75  ", "2+3    "}, {"_91  ", "_5   "}};
  const Vocabulary vocab = char_vocabulary(pairs);
  CHECK(vocab.contains("_"));
  CHECK(vocab.contains(" "));
  CHECK_FALSE(vocab.contains("4"));
  const Seq2seqExamples ex = encode_pairs(pairs, vocab);
  REQUIRE(ex.size() == 2);
  REQUIRE(ex.source.shape(1) == 7);
  REQUIRE(ex.target.shape(1) == 5);
  CHECK(row_text(ex.source, 0, vocab) == "16+75  ");
  CHECK(row_text(ex.target, 1, vocab) == "_5   ");
  const Seq2seqExamples rev = encode_pairs(pairs, vocab, true);
  CHECK(row_text(rev.source, 0, vocab) == "  57+61");
  CHECK(row_text(rev.target, 0, vocab) == "_91  ");  // answers are never reversed
}

TEST_CASE("encode_pairs rejects ragged widths, a missing start character and unknown characters", "[text][seq2seq]") {
  const SequencePairs good{{"1+1", "2+2"}, {"_2", "_4"}};
  const Vocabulary vocab = char_vocabulary(good);
  CHECK(contains(message_of<std::invalid_argument>([&] { encode_pairs({{"1+1", "2+22"}, {"_2", "_4"}}, vocab); }),
                 "question 1 has 4 characters"));
  CHECK(contains(message_of<std::invalid_argument>([&] { encode_pairs({{"1+1"}, {"2 "}}, vocab); }),
                 "does not start with the start character"));
  CHECK(contains(message_of<std::out_of_range>([&] { encode_pairs({{"1+9"}, {"_2"}}, vocab); }), "'9'"));
  CHECK_THROWS_AS(encode_pairs({{"1+1"}, {}}, vocab), std::invalid_argument);
  CHECK_THROWS_AS(char_vocabulary({}), std::invalid_argument);
}

TEST_CASE("make_batch shifts the target: decoder input drops the last column, labels the first", "[text][seq2seq]") {
  const SequencePairs pairs = make_addition(50, 3);
  const Vocabulary vocab = char_vocabulary(pairs);
  const Seq2seqExamples ex = encode_pairs(pairs, vocab);
  const Seq2seqBatch b = make_batch(ex, {7, 2});
  REQUIRE(b.source.shape(0) == 2);
  REQUIRE(b.decoder_input.shape(1) == 4);
  REQUIRE(b.labels.shape(1) == 4);
  CHECK(row_text(b.source, 0, vocab) == pairs.questions[7]);
  CHECK(row_text(b.decoder_input, 1, vocab) == pairs.answers[2].substr(0, 4));
  CHECK(row_text(b.labels, 1, vocab) == pairs.answers[2].substr(1));
  CHECK_THROWS_AS(make_batch(ex, {50}), std::out_of_range);
  CHECK_THROWS_AS(make_batch(ex, {}), std::invalid_argument);
}

TEST_CASE("split_examples partitions every example once, the same way for the same seed", "[text][seq2seq]") {
  const SequencePairs pairs = make_addition(100, 4);
  const Vocabulary vocab = char_vocabulary(pairs);
  const Seq2seqExamples ex = encode_pairs(pairs, vocab);
  const Seq2seqSplit s = split_examples(ex, 10, 20, 9);
  CHECK(s.train.size() == 70);
  CHECK(s.validation.size() == 10);
  CHECK(s.test.size() == 20);
  std::set<std::string> seen;
  for (const Seq2seqExamples* part : {&s.train, &s.validation, &s.test}) {
    for (std::size_t r = 0; r < part->size(); ++r) seen.insert(row_text(part->source, r, vocab));
  }
  CHECK(seen.size() == 100);  // the questions are distinct, so every one landed exactly once
  const Seq2seqSplit again = split_examples(ex, 10, 20, 9), other = split_examples(ex, 10, 20, 10);
  CHECK(again.test.source == s.test.source);
  CHECK(other.test.source != s.test.source);
  CHECK_THROWS_AS(split_examples(ex, 50, 50, 1), std::invalid_argument);
}

TEST_CASE("ShuffledBatches covers every row once per epoch and resumes mid-run bit for bit", "[data][seq2seq]") {
  ShuffledBatches sampler(10, 4, 3);
  REQUIRE(sampler.num_batches() == 3);
  sampler.start_epoch();
  std::multiset<std::size_t> rows;
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t r : sampler.batch(i)) rows.insert(r);
  }
  CHECK(rows.size() == 10);
  CHECK(std::set<std::size_t>(rows.begin(), rows.end()).size() == 10);
  CHECK(sampler.batch(2).size() == 2);
  const std::vector<std::size_t> first = sampler.batch(0);
  const nlohmann::json saved = sampler.state();
  sampler.start_epoch();
  const std::vector<std::size_t> next = sampler.batch(0);
  CHECK(next != first);  // a new order (10! orders: equal first batches would be a broken shuffle)

  ShuffledBatches resumed(10, 4, 99);
  resumed.restore(saved);
  CHECK(resumed.batch(0) == first);
  resumed.start_epoch();
  CHECK(resumed.batch(0) == next);

  CHECK_THROWS_AS(ShuffledBatches(10, 4, 1).batch(0), std::logic_error);
  CHECK_THROWS_AS(sampler.batch(3), std::out_of_range);
  ShuffledBatches untouched(10, 4, 5);
  untouched.start_epoch();
  const std::vector<std::size_t> before = untouched.batch(0);
  CHECK(contains(message_of<std::invalid_argument>([&] { untouched.restore({{"epochs_started", 1}}); }), "generator"));
  CHECK(contains(message_of<std::invalid_argument>([&] {
          untouched.restore({{"epochs_started", 1}, {"generator", "not a state"}});
        }),
                 "generator"));
  CHECK(untouched.batch(0) == before);
  CHECK_THROWS_AS(ShuffledBatches(0, 4, 1), std::invalid_argument);
}
