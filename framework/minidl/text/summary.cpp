#include "minidl/text/summary.hpp"

#include <cstdio>
#include <unordered_set>

namespace minidl {
namespace text {

std::string CorpusSummary::str() const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%zu files, %.2f MB, %zu lines, %zu tokens, %zu distinct, vocabulary %zu (<unk> %.1f%%)",
                files, static_cast<double>(bytes) / 1e6, lines, tokens, distinct, vocabulary, 100.0 * unk_rate);
  return buf;
}

CorpusSummary summarize(const Corpus& corpus, const std::vector<std::string>& tokens, const Vocabulary& vocabulary) {
  CorpusSummary s;
  s.files = corpus.files.size();
  s.bytes = corpus.bytes;
  s.lines = corpus.lines.size();
  s.tokens = tokens.size();
  s.distinct = std::unordered_set<std::string>(tokens.begin(), tokens.end()).size();
  s.vocabulary = vocabulary.size();
  std::size_t unk = 0;
  if (vocabulary.contains(kUnk)) {
    for (const auto& t : tokens) unk += vocabulary.contains(t) && t != kUnk ? 0 : 1;
  }
  s.unk_rate = tokens.empty() ? 0.0 : static_cast<double>(unk) / static_cast<double>(tokens.size());
  return s;
}

}  // namespace text
}  // namespace minidl
