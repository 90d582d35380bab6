// DetectAnomalyGuard: the first op that makes a NaN/inf, in forward or in backward, is named.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>

#include <minidl/core/anomaly.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

// The message of the std::domain_error f throws ("" if it throws none).
template <typename F>
std::string anomaly_message(F f) {
  try {
    f();
  } catch (const std::domain_error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("anomaly mode names the first forward op that produces NaN, its input shapes and parameters",
          "[anomaly]") {
  const Var64 W = variable<double>({{1.0, -2.0}, {0.5, 1.0}}, true).set_name("fc1.W");
  const Var64 x = variable<double>({{1.0, 1.0}, {2.0, 1.0}, {1.0, 3.0}});
  DetectAnomalyGuard anomaly;
  CHECK(anomaly_detection_enabled());
  // (3,2)x(2,2): row 0 gives [1.5, -1], so log sees a negative value; exp after it never runs.
  const std::string msg = anomaly_message([&] { return exp(log(matmul(x, W))); });
  INFO(msg);
  CHECK(contains(msg, "forward op 'log' produced NaN at (0,1)"));
  CHECK(contains(msg, "inputs: (3,2)"));
  CHECK(contains(msg, "parameters on its path: fc1.W"));
  CHECK_FALSE(contains(msg, "already non-finite"));
}

TEST_CASE("anomaly mode says when an op's input was already non-finite", "[anomaly]") {
  const Var64 x = variable<double>({1.0, std::numeric_limits<double>::quiet_NaN()}, true).set_name("data");
  DetectAnomalyGuard anomaly;
  const std::string msg = anomaly_message([&] { return tanh(x); });
  INFO(msg);
  CHECK(contains(msg, "forward op 'tanh' produced NaN at (1)"));
  CHECK(contains(msg, "input 0 was already non-finite"));
  CHECK(contains(msg, "parameters on its path: data"));
}

TEST_CASE("anomaly mode names the first backward op whose gradient becomes non-finite", "[anomaly]") {
  // sqrt(0) = 0 is finite, but its derivative 1/(2·0) is not.
  const Var64 x = variable<double>({0.0, 4.0}, true).set_name("x");
  DetectAnomalyGuard anomaly;
  const Var64 loss = sum(sqrt(x) * 3.0);
  const std::string msg = anomaly_message([&] { loss.backward(); });
  INFO(msg);
  CHECK(contains(msg, "backward of 'sqrt' gave a gradient containing inf at (0) for input 0 (2)"));
  CHECK(contains(msg, "from a finite upstream gradient"));
  CHECK(contains(msg, "parameters on its path: x"));
}

TEST_CASE("without the guard nothing is checked, and the guard is per thread and scoped", "[anomaly]") {
  const Var64 x = variable<double>({-1.0}, true);
  CHECK_FALSE(anomaly_detection_enabled());
  CHECK(std::isnan(log(x).item()));  // NaN flows through silently, as it always has
  {
    DetectAnomalyGuard outer;
    {
      DetectAnomalyGuard inner;
      CHECK_THROWS_AS(log(x), std::domain_error);
    }
    CHECK(anomaly_detection_enabled());
    CHECK_THROWS_AS(log(x), std::domain_error);
    bool other_thread_enabled = true;
    double other_thread_value = 0;
    std::thread t([&] {
      other_thread_enabled = anomaly_detection_enabled();
      other_thread_value = log(variable<double>({-1.0})).item();
    });
    t.join();
    CHECK_FALSE(other_thread_enabled);
    CHECK(std::isnan(other_thread_value));
  }
  CHECK_FALSE(anomaly_detection_enabled());
  CHECK_FALSE(in_backward_pass());
}
