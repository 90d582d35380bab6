// Text data: corpus reading (and its refusals), word and character tokenizers, the vocabulary and
// its cap, deterministic splits, the summary, and the real corpus from the fortunes package.

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "data_fixtures.hpp"
#include "minidl/text/corpus.hpp"
#include "minidl/text/split.hpp"
#include "minidl/text/summary.hpp"
#include "minidl/text/tokenizer.hpp"
#include "minidl/text/utf8.hpp"
#include "minidl/text/vocabulary.hpp"
#include "test_support.hpp"

using namespace minidl;
using namespace minidl::text;
using minidl_test::contains;
using minidl_test::message_of;

namespace {
void write_text(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  REQUIRE(out.good());
}
using Tokens = std::vector<std::string>;
}  // namespace

TEST_CASE("word_tokens lower-cases, splits punctuation and keeps contractions", "[text]") {
  CHECK(word_tokens("Hello, World!") == Tokens{"hello", ",", "world", "!"});
  CHECK(word_tokens("  You say goodbye and I say hello.  ") ==
        Tokens{"you", "say", "goodbye", "and", "i", "say", "hello", "."});
  CHECK(word_tokens("Don't stop -- it's 5 o'clock.") ==
        Tokens{"don't", "stop", "-", "-", "it's", "5", "o'clock", "."});
  CHECK(word_tokens("'quoted' (a)") == Tokens{"'", "quoted", "'", "(", "a", ")"});
  CHECK(word_tokens("Café\tNAÏVE") == Tokens{"café", "naÏve"});  // only ASCII letters change case
  CHECK(word_tokens("").empty());
  CHECK(tokenize_words({"A b.", "C"}) == Tokens{"a", "b", ".", kEos, "c", kEos});
  CHECK(tokenize_words({"A b."}, false) == Tokens{"a", "b", "."});
}

TEST_CASE("tokenize_chars splits code points and refuses invalid UTF-8", "[text]") {
  CHECK(tokenize_chars({"Né!", "b"}) == Tokens{"N", "é", "!", "\n", "b", "\n"});
  CHECK(tokenize_chars({"ab"}, false) == Tokens{"a", "b"});
  CHECK(contains(message_of<std::invalid_argument>([] { tokenize_chars({std::string("a\xC3", 2)}); }),
                 "byte offset 1"));
}

TEST_CASE("first_invalid_utf8 finds NULs, bad bytes, overlongs and truncations", "[text]") {
  CHECK(first_invalid_utf8("plain ascii") == std::string::npos);
  CHECK(first_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == std::string::npos);
  CHECK(first_invalid_utf8(std::string("ab\0c", 4)) == 2);
  CHECK(first_invalid_utf8("ab\xFF") == 2);
  CHECK(first_invalid_utf8("x\xC0\xAF") == 1);      // overlong '/'
  CHECK(first_invalid_utf8("xy\xED\xA0\x80") == 2);  // surrogate
  CHECK(first_invalid_utf8("abc\xE2\x82") == 3);     // truncated at the end
}

TEST_CASE("Vocabulary orders by count with stable ties, caps with <unk>", "[text]") {
  const Tokens tokens{"b", "a", "c", "a", "d", "b", "e", "a"};  // a:3 b:2 c,d,e:1 (first seen c, d, e)
  const Vocabulary full = Vocabulary::build(tokens);
  CHECK(full.words() == Tokens{"a", "b", "c", "d", "e"});
  CHECK(full.counts() == std::vector<std::size_t>{3, 2, 1, 1, 1});
  CHECK_FALSE(full.contains(kUnk));
  CHECK_THROWS_AS(full.id("zzz"), std::out_of_range);

  const Vocabulary capped = Vocabulary::build(tokens, 4);
  CHECK(capped.words() == Tokens{kUnk, "a", "b", "c"});
  CHECK(capped.count(0) == 2);  // d and e
  CHECK(capped.id("e") == 0);
  CHECK(capped.id("zzz") == 0);
  const IndexTensor ids = capped.encode({"a", "e", "c"});
  CHECK(ids == IndexTensor{1, 0, 3});
  CHECK(capped.decode(ids) == Tokens{"a", kUnk, "c"});
  CHECK_THROWS_AS(capped.word(4), std::out_of_range);
  CHECK_THROWS_AS(capped.word(-1), std::out_of_range);

  const Vocabulary frequent = Vocabulary::build(tokens, 0, 2);
  CHECK(frequent.words() == Tokens{kUnk, "a", "b"});
  CHECK(frequent.count(0) == 3);
  CHECK_THROWS_AS(Vocabulary::build(tokens, 1), std::invalid_argument);
  CHECK_THROWS_AS(Vocabulary::build(tokens, 0, 0), std::invalid_argument);
}

TEST_CASE("split_lines is deterministic, disjoint and complete", "[text]") {
  std::vector<std::string> lines;
  for (int i = 0; i < 103; ++i) lines.push_back("line " + std::to_string(i));
  for (SplitMode mode : {SplitMode::Blocks, SplitMode::ShuffledLines}) {
    const TextSplit a = split_lines(lines, 0.1, 0.2, mode, 7);
    const TextSplit b = split_lines(lines, 0.1, 0.2, mode, 7);
    CHECK(a.train == b.train);
    CHECK(a.validation == b.validation);
    CHECK(a.test == b.test);
    CHECK(a.validation.size() == 10);
    CHECK(a.test.size() == 20);
    CHECK(a.train.size() == 73);
    std::multiset<std::string> all(a.train.begin(), a.train.end());
    all.insert(a.validation.begin(), a.validation.end());
    all.insert(a.test.begin(), a.test.end());
    CHECK(all == std::multiset<std::string>(lines.begin(), lines.end()));  // each line exactly once
  }
  const TextSplit blocks = split_lines(lines, 0.1, 0.2);
  CHECK(blocks.train.front() == "line 0");
  CHECK(blocks.validation.front() == "line 73");
  CHECK(blocks.test.back() == "line 102");
  const TextSplit s7 = split_lines(lines, 0.1, 0.2, SplitMode::ShuffledLines, 7);
  const TextSplit s8 = split_lines(lines, 0.1, 0.2, SplitMode::ShuffledLines, 8);
  CHECK(s7.test != s8.test);
  CHECK(s7.train != blocks.train);
  CHECK_THROWS_AS(split_lines(lines, 0.5, 0.5), std::invalid_argument);
  CHECK_THROWS_AS(split_lines(lines, -0.1, 0.1), std::invalid_argument);
  CHECK_THROWS_AS(split_lines({}, 0.1, 0.1), std::invalid_argument);  // no training line
}

TEST_CASE("read_corpus reads a file or a folder and refuses empty and binary files", "[text]") {
  fixtures::TempDir dir;
  const std::string a = "First line\n%\nSecond line\n";
  const std::string b = "Second file.\r\n%\n\n  \nlast line";
  write_text(dir.file("b.txt"), b);
  write_text(dir.file("a.txt"), a);
  write_text(dir.file("a.txt.dat"), std::string("\0\0\x01\x02", 4));

  CorpusOptions options;
  options.separator_line = "%";
  options.skip_suffixes = {".dat"};
  const Corpus folder = read_corpus(dir.path(), options);
  CHECK(folder.lines == Tokens{"First line", "Second line", "Second file.", "last line"});
  CHECK(folder.files.size() == 2);
  CHECK(folder.bytes == a.size() + b.size());
  const Corpus one = read_corpus(dir.file("a.txt"));
  CHECK(one.lines == Tokens{"First line", "%", "Second line"});

  // The binary index file is refused, naming the file and the NUL byte's offset.
  const std::string binary = message_of<DataError>([&] { read_corpus(dir.file("a.txt.dat")); });
  CHECK(contains(binary, "a.txt.dat"));
  CHECK(contains(binary, "NUL byte at byte offset 0"));
  write_text(dir.file("latin1.txt"), "caf\xE9 au lait");
  const std::string latin1 = message_of<DataError>([&] { read_corpus(dir.file("latin1.txt")); });
  CHECK(contains(latin1, "latin1.txt"));
  CHECK(contains(latin1, "invalid byte 233 at byte offset 3"));
  // ... and a folder holding it fails the same way, not silently skipping it.
  CHECK(contains(message_of<DataError>([&] { read_corpus(dir.path(), options); }), "latin1.txt"));

  write_text(dir.file("empty.txt"), "");
  const std::string empty = message_of<DataError>([&] { read_corpus(dir.file("empty.txt")); });
  CHECK(contains(empty, "empty.txt"));
  CHECK(contains(empty, "empty"));
  write_text(dir.file("blank.txt"), "\n \n%\n");
  CHECK(contains(message_of<DataError>([&] { read_corpus(dir.file("blank.txt"), options); }), "no line of text"));
  const std::string missing = message_of<DataError>([&] { read_corpus(dir.file("missing.txt")); });
  CHECK(contains(missing, "missing.txt"));
  CHECK(contains(missing, "No such file"));
}

TEST_CASE("summarize counts tokens, vocabulary and the <unk> rate", "[text]") {
  Corpus corpus;
  corpus.lines = {"a b a", "c a"};
  corpus.files = {"x"};
  corpus.bytes = 10;
  const Tokens tokens = tokenize_words(corpus.lines);  // a b a <eos> c a <eos>
  const Vocabulary vocab = Vocabulary::build(tokens, 3);  // <unk> a <eos>
  const CorpusSummary s = summarize(corpus, tokens, vocab);
  CHECK(s.lines == 2);
  CHECK(s.tokens == 7);
  CHECK(s.distinct == 4);
  CHECK(s.vocabulary == 3);
  CHECK(s.unk_rate == Approx(2.0 / 7.0));
  CHECK(contains(s.str(), "7 tokens"));
}

TEST_CASE("the fortunes corpus reads as English text", "[text][corpus]") {
  if (!fortunes_available()) {
    WARN("skipped: the Debian package 'fortunes' is not installed (scripts/setup.sh installs it)");
    return;
  }
  const Corpus corpus = read_corpus(kFortunesFolder, fortunes_options());
  const Tokens tokens = tokenize_words(corpus.lines);
  const Vocabulary vocab = Vocabulary::build(tokens, 10000);
  const CorpusSummary s = summarize(corpus, tokens, vocab);
  INFO(s.str());
  CHECK(s.bytes > 1000000);   // larger than the licence texts (~200 KB) the issue compares with
  CHECK(s.tokens > 300000);
  CHECK(s.vocabulary == 10000);
  REQUIRE(vocab.contains("the"));
  CHECK(vocab.id("the") < 8);  // the commonest English word follows only <unk>, <eos> and punctuation
  CHECK(std::none_of(corpus.lines.begin(), corpus.lines.end(), [](const std::string& l) { return l == "%"; }));
}
