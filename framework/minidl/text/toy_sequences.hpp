#pragma once
// The sequel's toy sequence-to-sequence datasets (chapters 7-8), generated rather than shipped:
// addition ("16+75" -> "91") and date-format conversion (human formats -> ISO 8601). Strings are
// padded to fixed widths as in the book's files, and answers start with '_', the decoder's
// start-of-sequence character. The same seed always gives the same dataset.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace minidl {
namespace text {

/// Question/answer string pairs of one width each.
struct SequencePairs {
  std::vector<std::string> questions;  ///< inputs, right-padded with spaces
  std::vector<std::string> answers;    ///< "_" + output, right-padded with spaces
};

/// `n` distinct additions "a+b" of non-negative numbers of 1..max_digits digits (the digit count
/// drawn uniformly, then the number), padded to 2*max_digits+1 characters; answers "_" + the sum,
/// padded to max_digits+2 ("16+75  " -> "_91  " for 3 digits). Throws std::invalid_argument when
/// max_digits is not in [1, 9] or n exceeds the number of distinct questions.
SequencePairs make_addition(std::size_t n, std::uint64_t seed, std::size_t max_digits = 3);

/// The human date formats make_dates draws from.
enum class DateStyle {
  LongMonthDayYear,   ///< "september 27, 1994"
  ShortMonthDayYear,  ///< "sep 27, 1994"
  DayLongMonthYear,   ///< "27 september 1994"
  WeekdayLong,        ///< "tuesday, september 27, 1994"
  UpperLong,          ///< "SEPTEMBER 27, 1994"
  Ordinal,            ///< "september 27th, 1994"
  UsSlashShortYear,   ///< "9/27/94"
  UsSlashLongYear,    ///< "9/27/1994"
  EuropeanDots,       ///< "27.09.1994"
  DayShortMonthYear,  ///< "27 sep 1994"
};

/// Number of DateStyle values.
constexpr std::size_t kDateStyles = 10;

/// The date y-m-d written in `style`. Throws std::invalid_argument for an invalid date or a year
/// outside [1900, 2099] (the two-digit-year style is read as 19xx/20xx by the caller's range).
std::string format_date(int year, int month, int day, DateStyle style);

/// `n` dates in 1970-01-01 .. 2029-12-31 (year, month, then day drawn uniformly), each in a
/// uniformly drawn style;
/// questions padded to 29 characters, answers "_YYYY-MM-DD". Two-digit years are unambiguous in
/// that range (70-99 -> 19xx, 00-29 -> 20xx).
SequencePairs make_dates(std::size_t n, std::uint64_t seed);

}  // namespace text
}  // namespace minidl
