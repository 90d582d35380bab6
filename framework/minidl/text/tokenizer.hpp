#pragma once
// Word-level and character-level tokenizers: text lines in, token strings out. Ids come from a
// Vocabulary (text/vocabulary.hpp).

#include <string>
#include <vector>

namespace minidl {
namespace text {

/// The end-of-line token the word tokenizer appends to every line (the book's "<eos>").
constexpr const char* kEos = "<eos>";

/// Splits one line into words: ASCII letters are lower-cased, whitespace separates tokens, and every
/// ASCII punctuation character is a token of its own ("Hello, world!" -> hello , world !). An
/// apostrophe between two letters or digits stays inside the word ("don't", "o'clock"), so
/// contractions are one token. Bytes >= 0x80 (non-ASCII UTF-8) are kept as parts of words.
std::vector<std::string> word_tokens(const std::string& line);

/// The word tokens of every line, each line followed by kEos when `eos` is true: the token stream
/// a language model or word2vec trains on.
std::vector<std::string> tokenize_words(const std::vector<std::string>& lines, bool eos = true);

/// The characters (UTF-8 code points) of every line, each line followed by "\n" when `newline` is
/// true. Case is kept. Throws std::invalid_argument for a line that is not valid UTF-8.
std::vector<std::string> tokenize_chars(const std::vector<std::string>& lines, bool newline = true);

}  // namespace text
}  // namespace minidl
