// The toy sequence datasets: addition and date conversion are padded, correct, distinct where
// promised, and reproducible from their seed.

#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "minidl/text/toy_sequences.hpp"

using namespace minidl::text;

namespace {
std::string trim(const std::string& s) { return s.substr(0, s.find_last_not_of(' ') + 1); }
}  // namespace

TEST_CASE("make_addition pads questions and answers and sums correctly", "[text][toy]") {
  const SequencePairs data = make_addition(2000, 5);
  REQUIRE(data.questions.size() == 2000);
  REQUIRE(data.answers.size() == 2000);
  std::set<std::string> distinct(data.questions.begin(), data.questions.end());
  CHECK(distinct.size() == 2000);
  bool saw_one_digit = false, saw_three_digits = false;
  for (std::size_t i = 0; i < data.questions.size(); ++i) {
    const std::string& q = data.questions[i];
    const std::string& a = data.answers[i];
    REQUIRE(q.size() == 7);
    REQUIRE(a.size() == 5);
    REQUIRE(a[0] == '_');
    const std::size_t plus = q.find('+');
    REQUIRE(plus != std::string::npos);
    const long x = std::stol(q.substr(0, plus)), y = std::stol(trim(q.substr(plus + 1)));
    CHECK(std::stol(trim(a.substr(1))) == x + y);
    CHECK((q.substr(0, plus) == std::to_string(x)));  // no leading zeros
    saw_one_digit = saw_one_digit || x < 10;
    saw_three_digits = saw_three_digits || x >= 100;
  }
  CHECK(saw_one_digit);
  CHECK(saw_three_digits);
  const SequencePairs again = make_addition(2000, 5), other = make_addition(2000, 6);
  CHECK(again.questions == data.questions);
  CHECK(other.questions != data.questions);
  CHECK(make_addition(10, 1, 1).questions[0].size() == 3);
  CHECK_THROWS_AS(make_addition(10, 1, 0), std::invalid_argument);
  CHECK_THROWS_AS(make_addition(51, 1, 1), std::invalid_argument);  // only 100 one-digit questions
}

TEST_CASE("format_date writes every style of one date", "[text][toy]") {
  // 27 September 1994 was a Tuesday.
  CHECK(format_date(1994, 9, 27, DateStyle::LongMonthDayYear) == "september 27, 1994");
  CHECK(format_date(1994, 9, 27, DateStyle::ShortMonthDayYear) == "sep 27, 1994");
  CHECK(format_date(1994, 9, 27, DateStyle::DayLongMonthYear) == "27 september 1994");
  CHECK(format_date(1994, 9, 27, DateStyle::WeekdayLong) == "tuesday, september 27, 1994");
  CHECK(format_date(1994, 9, 27, DateStyle::UpperLong) == "SEPTEMBER 27, 1994");
  CHECK(format_date(1994, 9, 27, DateStyle::Ordinal) == "september 27th, 1994");
  CHECK(format_date(1994, 9, 27, DateStyle::UsSlashShortYear) == "9/27/94");
  CHECK(format_date(1994, 9, 27, DateStyle::UsSlashLongYear) == "9/27/1994");
  CHECK(format_date(1994, 9, 27, DateStyle::EuropeanDots) == "27.09.1994");
  CHECK(format_date(1994, 9, 27, DateStyle::DayShortMonthYear) == "27 sep 1994");
  CHECK(format_date(2000, 1, 1, DateStyle::WeekdayLong) == "saturday, january 1, 2000");
  CHECK(format_date(2012, 2, 29, DateStyle::Ordinal) == "february 29th, 2012");
  CHECK(format_date(2011, 3, 12, DateStyle::Ordinal) == "march 12th, 2011");
  CHECK(format_date(2011, 3, 22, DateStyle::Ordinal) == "march 22nd, 2011");
  CHECK(format_date(2005, 1, 5, DateStyle::UsSlashShortYear) == "1/5/05");
  CHECK_THROWS_AS(format_date(2011, 2, 29, DateStyle::LongMonthDayYear), std::invalid_argument);
  CHECK_THROWS_AS(format_date(1994, 13, 1, DateStyle::LongMonthDayYear), std::invalid_argument);
}

TEST_CASE("make_dates pairs human dates with ISO answers, reproducibly", "[text][toy]") {
  const SequencePairs data = make_dates(3000, 2);
  REQUIRE(data.questions.size() == 3000);
  std::set<std::size_t> widths;
  std::set<char> first_chars;
  for (std::size_t i = 0; i < data.questions.size(); ++i) {
    widths.insert(data.questions[i].size());
    const std::string& a = data.answers[i];
    REQUIRE(a.size() == 11);
    REQUIRE(a[0] == '_');
    const int y = std::stoi(a.substr(1, 4)), m = std::stoi(a.substr(6, 2)), d = std::stoi(a.substr(9, 2));
    CHECK((y >= 1970 && y <= 2029));
    // The answer is the question's date: the question is one of the styles of (y, m, d).
    bool found = false;
    for (std::size_t s = 0; s < kDateStyles && !found; ++s) {
      found = trim(data.questions[i]) == format_date(y, m, d, static_cast<DateStyle>(s));
    }
    CHECK(found);
    first_chars.insert(data.questions[i][0]);
  }
  CHECK(widths == std::set<std::size_t>{29});
  CHECK(first_chars.size() > 10);  // months, weekdays, digits, upper case: the styles are mixed
  CHECK(make_dates(3000, 2).questions == data.questions);
  CHECK(make_dates(3000, 3).questions != data.questions);
}
