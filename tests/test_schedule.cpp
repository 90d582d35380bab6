// Learning-rate schedules: values at chosen counts, composition, application to an optimizer.
#include <catch2/catch.hpp>

#include <cmath>

#include <minidl/minidl.hpp>
#include <minidl/optim/schedule.hpp>

using namespace minidl;

TEST_CASE("constant and step schedules", "[schedule]") {
  REQUIRE(Schedule()(0) == 1.0);
  REQUIRE(Schedule()(12345) == 1.0);
  REQUIRE(constant_lr(0.5)(99) == 0.5);
  const Schedule s = step_lr(10, 0.1);
  REQUIRE(s(0) == 1.0);
  REQUIRE(s(9) == 1.0);
  REQUIRE(s(10) == Approx(0.1));
  REQUIRE(s(19) == Approx(0.1));
  REQUIRE(s(25) == Approx(0.01));
  REQUIRE(step_lr(3, 0.5)(7) == Approx(0.25));
  REQUIRE(s.describe() == "step(size=10, gamma=0.1)");
  REQUIRE_THROWS_AS(step_lr(0), std::invalid_argument);
  REQUIRE_THROWS_AS(step_lr(5, -0.5), std::invalid_argument);
}

TEST_CASE("cosine schedule: 1 at the start, (1+min)/2 halfway, min at the end and after", "[schedule]") {
  const Schedule s = cosine_lr(100, 0.1);
  REQUIRE(s(0) == Approx(1.0));
  REQUIRE(s(50) == Approx(0.55));
  REQUIRE(s(25) == Approx(0.1 + 0.9 * 0.5 * (1 + std::sqrt(0.5))));  // cos(pi/4) = sqrt(1/2)
  REQUIRE(s(25) == Approx(0.8681981));
  REQUIRE(s(100) == Approx(0.1));
  REQUIRE(s(1000) == Approx(0.1));
  REQUIRE(cosine_lr(10)(10) == Approx(0.0).margin(1e-15));
  // Monotonically non-increasing.
  for (std::size_t t = 1; t <= 100; ++t) REQUIRE(s(t) <= s(t - 1));
  REQUIRE_THROWS_AS(cosine_lr(0), std::invalid_argument);
  REQUIRE_THROWS_AS(cosine_lr(10, 1.5), std::invalid_argument);
}

TEST_CASE("warm-up, sequencing and products compose", "[schedule]") {
  const Schedule w = warmup_lr(4);
  REQUIRE(w(0) == Approx(0.25));
  REQUIRE(w(1) == Approx(0.5));
  REQUIRE(w(3) == Approx(1.0));
  REQUIRE(w(100) == Approx(1.0));
  REQUIRE_THROWS_AS(warmup_lr(0), std::invalid_argument);

  // Warm up for 4 steps, then cosine over 10 steps starting from its own t = 0.
  const Schedule s = then(warmup_lr(4), 4, cosine_lr(10));
  REQUIRE(s(0) == Approx(0.25));
  REQUIRE(s(3) == Approx(1.0));
  REQUIRE(s(4) == Approx(1.0));  // cosine(0)
  REQUIRE(s(9) == Approx(0.5));  // cosine(5)
  REQUIRE(s(14) == Approx(0.0).margin(1e-15));
  REQUIRE(s.describe() == "warmup(4) then at 4 cosine(total=10, min=0)");

  const Schedule p = warmup_lr(2) * step_lr(3, 0.5);
  REQUIRE(p(0) == Approx(0.5));   // 0.5 * 1
  REQUIRE(p(1) == Approx(1.0));
  REQUIRE(p(3) == Approx(0.5));   // 1 * 0.5
  REQUIRE(p(6) == Approx(0.25));

  const Schedule custom([](std::size_t t) { return 1.0 / static_cast<double>(t + 1); }, "1/(t+1)");
  REQUIRE(custom(3) == Approx(0.25));
  REQUIRE_THROWS_AS(Schedule(Schedule::Fn(), "empty"), std::invalid_argument);
}

TEST_CASE("apply_schedule sets the optimizer's learning rate from the base rate", "[schedule]") {
  auto w = variable<float>({1.0f}, true);
  SGD<float> opt({w}, 0.1);
  const Schedule s = step_lr(2, 0.1);
  REQUIRE(apply_schedule(opt, s, 0.1, 0) == Approx(0.1));
  REQUIRE(opt.lr() == Approx(0.1));
  apply_schedule(opt, s, 0.1, 2);
  REQUIRE(opt.lr() == Approx(0.01));
  // A step with the scheduled rate uses it.
  w.set_grad(variable<float>({1.0f}));
  opt.step();
  REQUIRE(w.data()(0) == Approx(0.99f));
  REQUIRE_THROWS_AS(apply_schedule(opt, constant_lr(-1.0), 0.1, 0), std::invalid_argument);
}
