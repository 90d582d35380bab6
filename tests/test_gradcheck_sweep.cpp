// The float64 gradient-check sweep: every row of every op family (tests/sweep/rows_*.cpp) must pass
// minidl::gradcheck; a table of the worst relative error per row is printed for inspection.
#include <catch2/catch.hpp>

#include <cstdio>
#include <iostream>

#include "sweep/sweep.hpp"

namespace {

struct Family {
  const char* name;
  std::vector<sweep::Row> (*rows)();
};

const Family kFamilies[] = {
    {"arithmetic", sweep::arithmetic_rows}, {"matrix", sweep::matrix_rows},   {"elementwise", sweep::elementwise_rows},
    {"reduction", sweep::reduction_rows},   {"shape", sweep::shape_rows},     {"softmax", sweep::softmax_rows},
    {"loss", sweep::loss_rows},             {"conv", sweep::conv_rows},       {"norm", sweep::norm_rows},
};

// Fixed seed: the sweep is reproducible, and a failing row fails the same way every run.
constexpr std::uint64_t kSeed = 1234;

minidl::GradcheckReport run_row(const sweep::Row& row, std::uint64_t seed) {
  minidl::Generator gen(seed);
  std::vector<minidl::Var64> inputs;
  for (const auto& shape : row.shapes) {
    inputs.push_back(minidl::uniform<double>(shape, gen, row.lo, row.hi, /*requires_grad=*/true));
  }
  if (row.prepare) row.prepare(inputs);
  return minidl::gradcheck(row.f, inputs, row.options);
}

}  // namespace

TEST_CASE("gradcheck sweep: every op row passes in float64", "[gradcheck][sweep]") {
  std::size_t total = 0, failed = 0;
  std::printf("\n%-12s %-52s %8s %12s\n", "family", "row", "result", "worst rel");
  for (const auto& family : kFamilies) {
    const std::vector<sweep::Row> rows = family.rows();
    std::uint64_t seed = kSeed;
    for (const auto& row : rows) {
      const minidl::GradcheckReport report = run_row(row, seed++);
      ++total;
      if (!report.passed) ++failed;
      std::printf("%-12s %-52s %8s %12.3e\n", family.name, row.name.c_str(), report.passed ? "ok" : "FAILED",
                  report.max_rel_error());
      INFO(family.name << " / " << row.name << "\n" << report.str());
      CHECK(report.passed);
    }
  }
  std::fflush(stdout);
  std::cout << total << " rows, " << failed << " failed\n";
  // Guards against the sweep silently testing nothing (e.g. a family returning no rows by mistake).
  REQUIRE(total >= 30);
  REQUIRE(failed == 0);
}
