// The float64 gradient-check sweep. Every row of every op family (tests/sweep/rows_*.cpp) is checked
// three ways:
//   grad      minidl::gradcheck: backward() against central differences;
//   cg on/off gradients computed with create_graph on and off agree to 1e-12 (relative to the
//             gradient's largest entry): the differentiable path and the plain path are one;
//   gradgrad  minidl::gradgradcheck: second derivatives, unless the row says why it cannot be.
// A table with a column for each is printed. A second test fails when a public op, or an op some
// backward records, never ran during the sweep.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <minidl/core/op_observer.hpp>

#include "sweep/sweep.hpp"

namespace {

using minidl::Var64;

struct Family {
  const char* name;
  std::vector<sweep::Row> (*rows)();
};

const Family kFamilies[] = {
    {"arithmetic", sweep::arithmetic_rows}, {"matrix", sweep::matrix_rows},   {"elementwise", sweep::elementwise_rows},
    {"reduction", sweep::reduction_rows},   {"shape", sweep::shape_rows},     {"softmax", sweep::softmax_rows},
    {"loss", sweep::loss_rows},             {"conv", sweep::conv_rows},       {"norm", sweep::norm_rows},
    {"split", sweep::split_rows},           {"index", sweep::index_rows},     {"compare", sweep::compare_rows},
    {"recurrent", sweep::recurrent_rows},
};

// Fixed seed: the sweep is reproducible, and a failing row fails the same way every run.
constexpr std::uint64_t kSeed = 1234;
// create_graph on and off run the same backward kernels, so they may differ only by round-off.
constexpr double kCreateGraphTolerance = 1e-12;

// Collects the name of every op that runs (forward, or inside a backward) on this thread.
class OpNames : public minidl::OpObserver {
 public:
  std::set<std::string> seen;
  void on_forward(const char* op, const minidl::Tensor<double>&, const std::vector<Var64>&) override { seen.insert(op); }
  void on_forward(const char* op, const minidl::Tensor<float>&, const std::vector<minidl::Var>&) override {
    seen.insert(op);
  }
};

std::vector<Var64> make_inputs(const sweep::Row& row, std::uint64_t seed) {
  minidl::Generator gen(seed);
  std::vector<Var64> inputs;
  for (const auto& shape : row.shapes) {
    inputs.push_back(minidl::uniform<double>(shape, gen, row.lo, row.hi, /*requires_grad=*/true));
  }
  if (row.prepare) row.prepare(inputs);
  return inputs;
}

// The gradients of <f(inputs), r> (r seeded, entries in [0.5,1.5)), with create_graph on or off.
std::vector<Var64> gradients(const sweep::Row& row, const std::vector<Var64>& inputs, bool create_graph) {
  const Var64 out = row.f(inputs);
  minidl::Generator gen(kSeed);
  const Var64 r = minidl::uniform<double>(out.shape(), gen, 0.5, 1.5);
  return minidl::grad<double>({out}, inputs, {r}, create_graph, false);
}

// max over inputs of max|on - off| / max|off| (0 when both are zero everywhere).
double create_graph_disagreement(const sweep::Row& row, const std::vector<Var64>& inputs) {
  const std::vector<Var64> off = gradients(row, inputs, false);
  const std::vector<Var64> on = gradients(row, inputs, true);
  double worst = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const double* a = off[i].data().data();
    const double* b = on[i].data().data();
    double diff = 0, scale = 0;
    for (std::size_t k = 0; k < off[i].size(); ++k) {
      diff = std::max(diff, std::abs(a[k] - b[k]));
      scale = std::max(scale, std::abs(a[k]));
      if (!std::isfinite(a[k]) || !std::isfinite(b[k])) diff = INFINITY;
    }
    worst = std::max(worst, diff == 0 ? 0.0 : diff / std::max(scale, 1e-300));
  }
  return worst;
}

bool all_zero(const minidl::GradcheckReport& r) {
  return std::all_of(r.inputs.begin(), r.inputs.end(), [](const auto& in) { return in.all_zero; });
}

struct SweepResult {
  std::size_t rows = 0, failed = 0, gradgrad_checked = 0, gradgrad_skipped = 0;
  std::set<std::string> ops_seen;
};

// Runs (and prints) the whole sweep once per process; both tests below read its result.
const SweepResult& run_sweep() {
  static const SweepResult result = [] {
    SweepResult res;
    OpNames names;
    minidl::OpObserverScope observe(&names);
    std::printf("\n%-12s %-52s %-8s %11s %11s %s\n", "family", "row", "grad", "worst rel", "cg on/off",
                "gradgrad (worst rel, or why not)");
    for (const auto& family : kFamilies) {
      const std::vector<sweep::Row> rows = family.rows();
      std::uint64_t seed = kSeed;
      for (const auto& row : rows) {
        const std::vector<Var64> inputs = make_inputs(row, seed++);
        const minidl::GradcheckReport first = minidl::gradcheck(row.f, inputs, row.options);
        double cg = INFINITY;
        std::string cg_error;
        try {
          cg = create_graph_disagreement(row, inputs);
        } catch (const std::exception& e) {
          cg_error = e.what();
        }
        std::string gg_cell;
        bool gg_ok = true;
        minidl::GradcheckReport second;
        if (row.no_gradgrad.empty()) {
          // Linear ops have a zero second derivative: zero on both sides is then the right answer.
          minidl::GradcheckOptions opts = row.options;
          opts.allow_all_zero = true;
          second = minidl::gradgradcheck(row.f, inputs, opts);
          gg_ok = second.passed;
          char buf[64];
          std::snprintf(buf, sizeof buf, "%s %.3e%s", gg_ok ? "ok" : "FAILED", second.max_rel_error(),
                        all_zero(second) ? " (zero)" : "");
          gg_cell = buf;
          ++res.gradgrad_checked;
        } else {
          gg_cell = "skipped: " + row.no_gradgrad;
          ++res.gradgrad_skipped;
        }
        const bool cg_ok = cg <= kCreateGraphTolerance;
        const bool ok = first.passed && cg_ok && gg_ok;
        ++res.rows;
        if (!ok) ++res.failed;
        std::printf("%-12s %-52s %-8s %11.3e %11.3e %s\n", family.name, row.name.c_str(), first.passed ? "ok" : "FAILED",
                    first.max_rel_error(), cg, gg_cell.c_str());
        INFO(family.name << " / " << row.name << "\n" << first.str());
        CHECK(first.passed);
        INFO("create_graph on vs off: " << cg << " " << cg_error);
        CHECK(cg_ok);
        if (row.no_gradgrad.empty()) {
          INFO(second.str());
          CHECK(gg_ok);
        }
      }
    }
    std::fflush(stdout);
    std::cout << res.rows << " rows, " << res.failed << " failed; gradgradcheck on " << res.gradgrad_checked
              << ", skipped with a reason on " << res.gradgrad_skipped << "\n";
    res.ops_seen = names.seen;
    return res;
  }();
  return result;
}

// The text of a file of the source tree.
std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(MINIDL_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The op families: every .hpp/.cpp pair in framework/minidl/ops (a new family is found by itself).
std::vector<std::string> op_files() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(MINIDL_SOURCE_DIR) + "/framework/minidl/ops")) {
    if (entry.path().extension() == ".hpp") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Public ops that record no node of their own name, each with the reason.
const std::map<std::string, std::string> kNotRecorded = {
    {"step", "deliberately not recorded: its derivative is 0 wherever it exists"},
    {"flatten", "a reshape: records 'reshape'"},
    {"chunk", "a split with computed sizes: records 'split'"},
    {"softmax_vjp", "a helper built from recorded ops (softmax's backward), not an op"},
    {"sum_to_like", "a sum_to to another variable's shape: records 'sum_to'"},
    {"broadcast_to_like", "a broadcast_to to another variable's shape: records 'broadcast_to'"},
};

}  // namespace

TEST_CASE("gradcheck sweep: every row passes gradcheck, create_graph on/off, gradgradcheck", "[gradcheck][sweep]") {
  const SweepResult& r = run_sweep();
  // Guards against the sweep silently testing nothing (e.g. a family returning no rows by mistake).
  REQUIRE(r.rows >= 30);
  REQUIRE(r.gradgrad_checked >= r.rows / 2);
  REQUIRE(r.failed == 0);
}

TEST_CASE("gradcheck sweep covers every public op and every op a backward records", "[gradcheck][sweep][coverage]") {
  const SweepResult& r = run_sweep();
  // Public ops: every "Variable<T> name(" (one output) or "std::vector<Variable<T>> name(" (several)
  // declared in ops/*.hpp.
  std::set<std::string> expected;
  const std::regex decl(R"(\n(?:std::vector<)?Variable<T>>? ([a-z_0-9]+)\()");
  // Recorded ops: every literal record<T>("name", ...) or record_multi<T>("name", ...) in
  // ops/*.cpp, including the backward ops.
  const std::regex rec(R"re(record(?:_multi)?<T>\(\s*"([a-z_0-9]+)")re");
  const std::vector<std::string> families = op_files();
  REQUIRE(families.size() >= 12);
  for (const std::string& f : families) {
    const std::string header = read_source("framework/minidl/ops/" + f + ".hpp");
    const std::string source = read_source("framework/minidl/ops/" + f + ".cpp");
    INFO("ops/" << f << " could not be read from " << MINIDL_SOURCE_DIR);
    REQUIRE(!header.empty());
    REQUIRE(!source.empty());
    for (std::sregex_iterator it(header.begin(), header.end(), decl), end; it != end; ++it) expected.insert((*it)[1]);
    for (std::sregex_iterator it(source.begin(), source.end(), rec), end; it != end; ++it) expected.insert((*it)[1]);
  }
  // The engine's own op (summing two gradients of one variable under create_graph).
  const std::string engine = read_source("framework/minidl/core/autograd.cpp");
  for (std::sregex_iterator it(engine.begin(), engine.end(), rec), end; it != end; ++it) expected.insert((*it)[1]);
  // The parse found public ops, backward ops and the engine's op (a broken pattern finds none).
  CHECK(expected.count("conv2d"));
  CHECK(expected.count("relu_backward"));
  CHECK(expected.count("batch_norm_backward_gamma"));
  CHECK(expected.count("accumulate_grad"));
  CHECK(expected.count("split"));  // a multi-output op, declared and recorded
  CHECK(expected.count("unbind"));
  REQUIRE(expected.size() >= 60);
  std::vector<std::string> missing;
  for (const std::string& op : expected) {
    if (!r.ops_seen.count(op) && !kNotRecorded.count(op)) missing.push_back(op);
  }
  std::string list;
  for (const auto& m : missing) list += " " + m;
  INFO("ops without a sweep row (add one to tests/sweep/rows_<family>.cpp):" << list);
  CHECK(missing.empty());
  for (const auto& [op, why] : kNotRecorded) {
    INFO(op << " is listed as not recorded (" << why << ") but the sweep saw it record");
    CHECK(!r.ops_seen.count(op));
  }
}
