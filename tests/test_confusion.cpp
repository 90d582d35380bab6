// The confusion matrix: counts, precision and recall by hand, undefined cases, text forms.
#include <catch2/catch.hpp>

#include <cmath>

#include <minidl/train/confusion.hpp>

using namespace minidl;

TEST_CASE("ConfusionMatrix counts pairs and derives accuracy, precision and recall", "[confusion]") {
  ConfusionMatrix cm(3);
  // truth 0: 0,0,0,1   truth 1: 1,1,2   truth 2: (none)   -> predicted 2 once, wrongly
  for (auto [t, p] : std::vector<std::pair<std::size_t, std::size_t>>{{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {1, 2}})
    cm.add(t, p);
  REQUIRE(cm.total() == 7);
  REQUIRE(cm.count(0, 0) == 3);
  REQUIRE(cm.count(0, 1) == 1);
  REQUIRE(cm.count(1, 2) == 1);
  REQUIRE(cm.count(2, 0) == 0);
  REQUIRE(cm.accuracy() == Approx(5.0 / 7));
  REQUIRE(cm.support(0) == 4);
  REQUIRE(cm.predicted_as(1) == 3);
  REQUIRE(cm.recall(0) == Approx(0.75));
  REQUIRE(cm.precision(0) == Approx(1.0));
  REQUIRE(cm.recall(1) == Approx(2.0 / 3));
  REQUIRE(cm.precision(1) == Approx(2.0 / 3));
  REQUIRE(cm.precision(2) == 0.0);          // predicted once, never right
  REQUIRE(std::isnan(cm.recall(2)));        // no item of class 2
}

TEST_CASE("ConfusionMatrix rejects classes out of range and zero classes", "[confusion]") {
  ConfusionMatrix cm(10);
  REQUIRE_THROWS_WITH(cm.add(10, 1), Catch::Contains("class 10 (true) is not below 10"));
  REQUIRE_THROWS_WITH(cm.add(1, 12), Catch::Contains("class 12 (predicted) is not below 10"));
  REQUIRE(cm.total() == 0);
  REQUIRE(cm.accuracy() == 0);
  REQUIRE(std::isnan(cm.precision(3)));
  REQUIRE_THROWS_AS(ConfusionMatrix(0), std::invalid_argument);
}

TEST_CASE("The text forms list each class and the matrix rows", "[confusion]") {
  ConfusionMatrix cm(2);
  cm.add(0, 0), cm.add(0, 1), cm.add(1, 1), cm.add(1, 1);
  const std::string report = format_class_report(cm);
  REQUIRE_THAT(report, Catch::Contains("    0        2    100.00%   50.00%"));
  REQUIRE_THAT(report, Catch::Contains("    1        2     66.67%  100.00%"));
  REQUIRE_THAT(report, Catch::Contains(" mean        4     83.33%   75.00%"));
  const std::string table = format_confusion(cm);
  REQUIRE_THAT(table, Catch::Contains("      0 1\n    0 1 1\n    1 0 2\n"));
}
