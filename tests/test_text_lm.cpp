// Language-model data: truncated-BPTT streams (shapes, targets shifted by one, streams contiguous
// across windows, the tail window, refusals) and the split, capped, encoded corpus.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "minidl/text/bptt.hpp"
#include "minidl/text/corpus.hpp"
#include "minidl/text/lm_corpus.hpp"
#include "minidl/text/tokenizer.hpp"
#include "test_support.hpp"

using namespace minidl;
using namespace minidl::text;
using minidl_test::contains;
using minidl_test::message_of;

namespace {
// 0, 1, ..., n-1: every id says where it sits in the corpus.
IndexTensor iota_ids(std::size_t n) {
  IndexTensor ids = IndexTensor::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) ids(i) = static_cast<Index>(i);
  return ids;
}
}  // namespace

TEST_CASE("BpttStreams cuts the stream into N contiguous streams read T steps at a time", "[text][lm]") {
  // 103 tokens, 4 streams: L = 102 / 4 = 25 steps each, 3 full windows of 8 (24 steps).
  const BpttStreams s(iota_ids(103), 4, 8);
  REQUIRE(s.stream_length() == 25);
  REQUIRE(s.windows() == 3);
  CHECK(s.tokens_per_pass() == 3 * 8 * 4);
  for (std::size_t w = 0; w < s.windows(); ++w) {
    const BpttWindow win = s.window(w);
    REQUIRE(win.inputs.shape() == std::vector<std::size_t>{4, 8});
    REQUIRE(win.targets.shape() == std::vector<std::size_t>{4, 8});
    for (std::size_t n = 0; n < 4; ++n) {
      for (std::size_t t = 0; t < 8; ++t) {
        // Stream n starts at n·L; window w continues where window w-1 stopped.
        CHECK(win.inputs(n, t) == static_cast<Index>(n * 25 + w * 8 + t));
        CHECK(win.targets(n, t) == win.inputs(n, t) + 1);
      }
    }
  }
  // The next window's first input is the previous window's last target, in every stream.
  const BpttWindow a = s.window(0), b = s.window(1);
  for (std::size_t n = 0; n < 4; ++n) CHECK(b.inputs(n, 0) == a.targets(n, 7));
  CHECK_THROWS_AS(s.window(3), std::out_of_range);
}

TEST_CASE("BpttStreams with keep_tail also yields the shorter last window", "[text][lm]") {
  const BpttStreams s(iota_ids(103), 4, 8, /*keep_tail=*/true);
  REQUIRE(s.windows() == 4);
  CHECK(s.steps(3) == 1);  // 25 = 3·8 + 1
  CHECK(s.tokens_per_pass() == 25 * 4);
  const BpttWindow tail = s.window(3);
  REQUIRE(tail.inputs.shape() == std::vector<std::size_t>{4, 1});
  for (std::size_t n = 0; n < 4; ++n) {
    CHECK(tail.inputs(n, 0) == static_cast<Index>(n * 25 + 24));
    CHECK(tail.targets(n, 0) == static_cast<Index>(n * 25 + 25));
  }
  // Every target lies inside the corpus; the unused tail is shorter than N.
  CHECK(tail.targets(3, 0) == 100);
}

TEST_CASE("BpttStreams gives the same windows every time and refuses bad input", "[text][lm]") {
  IndexTensor ids = IndexTensor::from_shape({50});
  for (std::size_t i = 0; i < 50; ++i) ids(i) = static_cast<Index>((i * 7) % 11);
  const BpttStreams a(ids, 3, 5), b(ids, 3, 5);
  for (std::size_t w = 0; w < a.windows(); ++w) {
    CHECK((a.window(w).inputs == b.window(w).inputs));
    CHECK((a.window(w).targets == b.window(w).targets));
  }
  CHECK(contains(message_of([] { BpttStreams(iota_ids(10), 0, 5); }), "must be positive"));
  CHECK(contains(message_of([] { BpttStreams(IndexTensor::from_shape({2, 5}), 1, 2); }), "1-d"));
  // 2 streams of 5 steps need 11 tokens.
  CHECK(contains(message_of([] { BpttStreams(iota_ids(10), 2, 5); }), "need 11"));
  CHECK_NOTHROW(BpttStreams(iota_ids(11), 2, 5));
  CHECK_NOTHROW(BpttStreams(iota_ids(10), 2, 5, true));
}

TEST_CASE("make_lm_corpus splits, caps the vocabulary on the training part and encodes each part", "[text][lm]") {
  Corpus corpus;
  for (int i = 0; i < 8; ++i) corpus.lines.push_back(i % 2 ? "the cat sat on the mat" : "the cat sat");
  corpus.lines.push_back("a dog barked");   // validation
  corpus.lines.push_back("the zebra sat");  // test
  LmCorpusOptions options;
  options.vocabulary = 5;  // <unk> + the 4 commonest training words: the, cat, sat, <eos>
  const LmCorpus lm = make_lm_corpus(corpus, options);
  REQUIRE(lm.vocabulary.size() == 5);
  CHECK(lm.vocabulary.word(0) == kUnk);
  CHECK(lm.vocabulary.contains("the"));
  CHECK(lm.vocabulary.contains(kEos));
  CHECK_FALSE(lm.vocabulary.contains("mat"));  // capped: 4 of the training words
  CHECK_FALSE(lm.vocabulary.contains("dog"));  // validation words never enter the vocabulary
  CHECK(lm.train.size() == 4 * 7 + 4 * 4);     // words + <eos> per line
  REQUIRE(lm.validation.size() == 4);
  CHECK(lm.vocabulary.decode(lm.validation) == std::vector<std::string>{kUnk, kUnk, kUnk, kEos});
  REQUIRE(lm.test.size() == 4);
  CHECK(lm.test(0) == lm.vocabulary.id("the"));
  CHECK(lm.test(1) == 0);
  CHECK(lm.summary.lines == 10);
  // Deterministic: the same corpus and options, the same ids.
  const LmCorpus again = make_lm_corpus(corpus, options);
  CHECK((again.train == lm.train));
  CHECK((again.test == lm.test));

  options.max_lines = 2;
  CHECK(contains(message_of([&] { make_lm_corpus(corpus, options); }), "validation part empty"));
  options.max_lines = 0;
  options.vocabulary = 1;
  CHECK(contains(message_of([&] { make_lm_corpus(corpus, options); }), "vocabulary 1"));
}

TEST_CASE("the fortunes corpus makes a 10,000-word language-model corpus", "[text][lm][corpus]") {
  if (!fortunes_available()) {
    WARN("skipped: the Debian package 'fortunes' is not installed (scripts/setup.sh installs it)");
    return;
  }
  const LmCorpus lm = make_lm_corpus(read_corpus(kFortunesFolder, fortunes_options()));
  INFO(lm.summary.str());
  CHECK(lm.vocabulary.size() == 10000);
  CHECK(lm.train.size() > 400000);
  CHECK(lm.validation.size() > 40000);
  CHECK(lm.test.size() > 40000);
  CHECK(lm.summary.unk_rate < 0.1);
}
