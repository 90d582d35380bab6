#pragma once
// Deterministic train / validation / test splits of a corpus's lines.

#include <cstdint>
#include <string>
#include <vector>

namespace minidl {
namespace text {

/// How lines are assigned to the three parts.
enum class SplitMode {
  /// Contiguous blocks in corpus order: train first, then validation, then test (as the Penn
  /// Treebank's language-model split; neighbouring lines stay together, so no quotation is cut).
  Blocks,
  /// Lines shuffled by a seeded generator, then cut: every part samples the whole corpus.
  ShuffledLines,
};

/// The three parts. Together they hold every input line exactly once.
struct TextSplit {
  std::vector<std::string> train;       ///< training lines
  std::vector<std::string> validation;  ///< validation lines
  std::vector<std::string> test;        ///< test lines
};

/// Splits `lines`: validation gets floor(n * validation_fraction) lines, test floor(n *
/// test_fraction), train the rest. The same arguments always give the same split (ShuffledLines
/// uses minidl's Generator with `seed`; Blocks ignores it). Throws std::invalid_argument for a
/// negative fraction or fractions that leave no training line.
TextSplit split_lines(const std::vector<std::string>& lines, double validation_fraction = 0.1,
                      double test_fraction = 0.1, SplitMode mode = SplitMode::Blocks, std::uint64_t seed = 0);

}  // namespace text
}  // namespace minidl
