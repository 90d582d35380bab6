// Graph export to Graphviz DOT: op names, edges, labels, determinism, and (when `dot` is installed)
// that Graphviz accepts the text.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <minidl/io/dot.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// y = x·W + b then squared: a small graph with a named leaf, a matmul, a broadcast add and a reuse.
Var64 small_graph() {
  Var64 x = variable<double>({{1.0, 2.0}}).set_name("x");
  Var64 W = variable<double>({{0.5, -1.0, 2.0}, {1.0, 0.0, 1.0}}, true).set_name("W");
  Var64 b = variable<double>({0.1, 0.2, 0.3}, true).set_name("b");
  Var64 h = add(matmul(x, W), b);
  return mul(h, h).set_name("y");
}

}  // namespace

TEST_CASE("to_dot lists every op and variable with edges input -> op -> result", "[dot]") {
  const Var64 y = small_graph();
  const std::string dot = to_dot(y);
  INFO(dot);
  CHECK(dot.rfind("digraph minidl {", 0) == 0);
  CHECK(dot.back() == '\n');
  CHECK(contains(dot, "}\n"));
  // Output first: v0 is y, produced by f0 = mul, whose input h (v1) is used twice.
  CHECK(contains(dot, "v0 [shape=ellipse, label=\"y\\n(1,3) float64\", penwidth=2];"));
  CHECK(contains(dot, "f0 [shape=box"));
  CHECK(contains(dot, "label=\"mul\""));
  CHECK(contains(dot, "f0 -> v0;"));
  CHECK(contains(dot, "v1 -> f0;"));
  CHECK(contains(dot, "f1 -> v1;"));
  CHECK(contains(dot, "label=\"add\""));
  CHECK(contains(dot, "label=\"matmul\""));
  // Leaves with names, shapes and dtype; leaves that require grad are highlighted, x is not.
  CHECK(contains(dot, "label=\"W\\n(2,3) float64\", style=filled"));
  CHECK(contains(dot, "label=\"b\\n(3) float64\", style=filled"));
  CHECK(contains(dot, "label=\"x\\n(1,2) float64\"];"));
  // 6 variables (y, h, x·W, b, x, W) and 3 ops; h appears once although mul uses it twice.
  std::size_t ellipses = 0, boxes = 0, pos = 0;
  while ((pos = dot.find("shape=ellipse", pos)) != std::string::npos) ++ellipses, ++pos;
  pos = 0;
  while ((pos = dot.find("shape=box", pos)) != std::string::npos) ++boxes, ++pos;
  CHECK(ellipses == 6);
  CHECK(boxes == 3);
}

TEST_CASE("to_dot is deterministic and reflects a freed graph", "[dot]") {
  const Var64 y1 = small_graph();
  const Var64 y2 = small_graph();
  CHECK(to_dot(y1) == to_dot(y1));
  CHECK(to_dot(y1) == to_dot(y2));  // ids never depend on addresses

  Var y = sum(variable<float>({1.0f, 2.0f}, true) * 3.0);
  CHECK(contains(to_dot(y), "float32"));
  CHECK(contains(to_dot(y), "mul_scalar"));
  y.backward();  // frees the graph: only the output and its (marked) op are left
  const std::string after = to_dot(y);
  CHECK_FALSE(contains(after, "mul_scalar"));
  CHECK(contains(after, "sum\\n(graph freed)"));
  CHECK(contains(after, "f0 -> v0;"));
  CHECK_FALSE(contains(after, "v1"));
  CHECK_THROWS_AS(to_dot(Var64()), std::invalid_argument);
}

TEST_CASE("write_dot writes a file Graphviz can render", "[dot]") {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / "minidl_test_graph.dot").string();
  const Var64 y = small_graph();
  write_dot(y, path);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == to_dot(y));
  CHECK_THROWS_AS(write_dot(y, (dir / "no_such_dir_minidl" / "g.dot").string()), std::runtime_error);
  CHECK_THROWS_WITH(write_dot(y, (dir / "no_such_dir_minidl" / "g.dot").string()),
                    Catch::Contains("write_dot: ") && Catch::Contains("No such file or directory"));
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));  // written aside, then renamed into place

  if (std::system("command -v dot > /dev/null 2>&1") != 0) {
    WARN("graphviz `dot` not installed: skipping the render check");
    return;
  }
  const std::string svg = (dir / "minidl_test_graph.svg").string();
  REQUIRE(std::system(("dot -Tsvg '" + path + "' -o '" + svg + "'").c_str()) == 0);
  std::ifstream rendered(svg);
  std::stringstream svg_text;
  svg_text << rendered.rdbuf();
  CHECK(contains(svg_text.str(), "<svg"));
  CHECK(contains(svg_text.str(), "matmul"));
  std::filesystem::remove(path);
  std::filesystem::remove(svg);
}
