#include "minidl/text/split.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "minidl/core/random.hpp"

namespace minidl {
namespace text {

TextSplit split_lines(const std::vector<std::string>& lines, double validation_fraction, double test_fraction,
                      SplitMode mode, std::uint64_t seed) {
  if (!(validation_fraction >= 0) || !(test_fraction >= 0) || validation_fraction + test_fraction >= 1) {
    throw std::invalid_argument("split_lines: fractions validation " + std::to_string(validation_fraction) +
                                " and test " + std::to_string(test_fraction) +
                                " must be >= 0 and leave a training part (sum < 1)");
  }
  const std::size_t n = lines.size();
  const auto n_val = static_cast<std::size_t>(std::floor(static_cast<double>(n) * validation_fraction));
  const auto n_test = static_cast<std::size_t>(std::floor(static_cast<double>(n) * test_fraction));
  const std::size_t n_train = n - n_val - n_test;
  if (n_train == 0) throw std::invalid_argument("split_lines: " + std::to_string(n) + " lines leave no training line");

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t(0));
  if (mode == SplitMode::ShuffledLines) {
    // Fisher-Yates with Generator::uniform_int: std::shuffle's algorithm is implementation-defined,
    // so it would not give the same split with every standard library.
    Generator gen(seed);
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[gen.uniform_int(i)]);
  }
  TextSplit split;
  for (std::size_t r = 0; r < n; ++r) {
    const std::string& line = lines[order[r]];
    if (r < n_train) {
      split.train.push_back(line);
    } else if (r < n_train + n_val) {
      split.validation.push_back(line);
    } else {
      split.test.push_back(line);
    }
  }
  return split;
}

}  // namespace text
}  // namespace minidl
