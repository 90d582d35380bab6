#include "minidl/text/toy_sequences.hpp"

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <unordered_set>

#include "minidl/core/random.hpp"

namespace minidl {
namespace text {

namespace {

constexpr std::size_t kDateWidth = 29;  // the book's date.txt question width

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::uint64_t power10(std::size_t k) {
  std::uint64_t p = 1;
  for (std::size_t i = 0; i < k; ++i) p *= 10;
  return p;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// 0 = Sunday (Sakamoto's method).
int weekday(int y, int m, int d) {
  static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (m < 3) y -= 1;
  return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                               "july",    "august",   "september", "october", "november", "december"};
const char* const kWeekdays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

std::string ordinal_suffix(int d) {
  if (d % 100 >= 11 && d % 100 <= 13) return "th";
  switch (d % 10) {
    case 1: return "st";
    case 2: return "nd";
    case 3: return "rd";
    default: return "th";
  }
}

}  // namespace

SequencePairs make_addition(std::size_t n, std::uint64_t seed, std::size_t max_digits) {
  if (max_digits < 1 || max_digits > 9) {
    throw std::invalid_argument("make_addition: max_digits " + std::to_string(max_digits) + " is not in [1, 9]");
  }
  const std::uint64_t numbers = power10(max_digits);
  if (static_cast<double>(n) > static_cast<double>(numbers) * static_cast<double>(numbers) / 2) {
    // Keep well below the number of distinct questions, so drawing distinct ones ends quickly.
    throw std::invalid_argument("make_addition: " + std::to_string(n) + " distinct questions of up to " +
                                std::to_string(max_digits) + " digits are too many");
  }
  Generator gen(seed);
  const auto draw = [&] {
    const std::size_t digits = 1 + static_cast<std::size_t>(gen.uniform_int(max_digits));
    const std::uint64_t lo = digits == 1 ? 0 : power10(digits - 1);
    return lo + gen.uniform_int(power10(digits) - lo);
  };
  SequencePairs out;
  std::unordered_set<std::string> seen;
  while (out.questions.size() < n) {
    const std::uint64_t a = draw(), b = draw();
    std::string q = std::to_string(a) + "+" + std::to_string(b);
    if (!seen.insert(q).second) continue;
    out.questions.push_back(pad(std::move(q), 2 * max_digits + 1));
    out.answers.push_back(pad("_" + std::to_string(a + b), max_digits + 2));
  }
  return out;
}

std::string format_date(int y, int m, int d, DateStyle style) {
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
    throw std::invalid_argument("format_date: " + std::to_string(y) + "-" + std::to_string(m) + "-" + std::to_string(d) +
                                " is not a date in 1900..2099");
  }
  const std::string month = kMonths[m - 1], shortm = month.substr(0, 3);
  const std::string dd = std::to_string(d), yyyy = std::to_string(y);
  char buf[64];
  switch (style) {
    case DateStyle::LongMonthDayYear: return month + " " + dd + ", " + yyyy;
    case DateStyle::ShortMonthDayYear: return shortm + " " + dd + ", " + yyyy;
    case DateStyle::DayLongMonthYear: return dd + " " + month + " " + yyyy;
    case DateStyle::WeekdayLong: return std::string(kWeekdays[weekday(y, m, d)]) + ", " + month + " " + dd + ", " + yyyy;
    case DateStyle::UpperLong: {
      std::string s = month + " " + dd + ", " + yyyy;
      for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return s;
    }
    case DateStyle::Ordinal: return month + " " + dd + ordinal_suffix(d) + ", " + yyyy;
    case DateStyle::UsSlashShortYear:
      std::snprintf(buf, sizeof buf, "%d/%d/%02d", m, d, y % 100);
      return buf;
    case DateStyle::UsSlashLongYear:
      std::snprintf(buf, sizeof buf, "%d/%d/%d", m, d, y);
      return buf;
    case DateStyle::EuropeanDots:
      std::snprintf(buf, sizeof buf, "%02d.%02d.%d", d, m, y);
      return buf;
    case DateStyle::DayShortMonthYear: return dd + " " + shortm + " " + yyyy;
  }
  throw std::invalid_argument("format_date: unknown style");
}

SequencePairs make_dates(std::size_t n, std::uint64_t seed) {
  Generator gen(seed);
  SequencePairs out;
  out.questions.reserve(n);
  out.answers.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int y = 1970 + static_cast<int>(gen.uniform_int(60));
    const int m = 1 + static_cast<int>(gen.uniform_int(12));
    const int d = 1 + static_cast<int>(gen.uniform_int(static_cast<std::uint64_t>(days_in_month(y, m))));
    const auto style = static_cast<DateStyle>(gen.uniform_int(kDateStyles));
    char iso[40];  // room for any int, so the format can never truncate
    std::snprintf(iso, sizeof iso, "_%04d-%02d-%02d", y, m, d);
    out.questions.push_back(pad(format_date(y, m, d, style), kDateWidth));
    out.answers.push_back(iso);
  }
  return out;
}

}  // namespace text
}  // namespace minidl
