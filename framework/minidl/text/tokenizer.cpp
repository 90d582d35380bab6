#include "minidl/text/tokenizer.hpp"

#include <cctype>

#include "minidl/text/utf8.hpp"

namespace minidl {
namespace text {

namespace {
bool ascii_space(unsigned char c) { return c < 0x80 && std::isspace(c); }
bool ascii_punct(unsigned char c) { return c < 0x80 && std::ispunct(c); }
// A letter, digit or non-ASCII byte: a part of a word.
bool word_char(unsigned char c) { return c >= 0x80 || std::isalnum(c); }
}  // namespace

std::vector<std::string> word_tokens(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  const auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (ascii_space(c)) {
      flush();
    } else if (c == '\'' && !word.empty() && word_char(static_cast<unsigned char>(word.back())) &&
               i + 1 < line.size() && word_char(static_cast<unsigned char>(line[i + 1]))) {
      word.push_back('\'');
    } else if (ascii_punct(c)) {
      flush();
      out.emplace_back(1, static_cast<char>(c));
    } else {
      word.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
    }
  }
  flush();
  return out;
}

std::vector<std::string> tokenize_words(const std::vector<std::string>& lines, bool eos) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    for (auto& w : word_tokens(line)) out.push_back(std::move(w));
    if (eos) out.emplace_back(kEos);
  }
  return out;
}

std::vector<std::string> tokenize_chars(const std::vector<std::string>& lines, bool newline) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    for (auto& c : utf8_code_points(line)) out.push_back(std::move(c));
    if (newline) out.emplace_back("\n");
  }
  return out;
}

}  // namespace text
}  // namespace minidl
