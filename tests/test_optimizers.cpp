// Optimizers (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam) against hand-computed updates, and
// the base class hooks: weight decay, gradient clipping, freezing.
//
// Every rule is checked for two steps on W = (1, -2) with the fixed gradient g = (0.5, -1): the
// gradient is set directly, so the numbers below depend on the update rule alone.
#include <catch2/catch.hpp>

#include <cmath>

#include <minidl/minidl.hpp>
#include <minidl/optim/optimizers.hpp>

using namespace minidl;

namespace {

// A parameter W = (1, -2) whose stored gradient is g = (0.5, -1).
Var64 param_with_grad() {
  auto w = variable<double>({1.0, -2.0}, true);
  w.set_grad(variable<double>({0.5, -1.0}));
  return w;
}

void require_values(const Var64& w, double w0, double w1, double rel = 1e-12) {
  // The margin covers results that cancel to near zero (RMSprop's first step lands on ≈ 2e-6).
  REQUIRE(w.data()(0) == Approx(w0).epsilon(rel).margin(1e-13));
  REQUIRE(w.data()(1) == Approx(w1).epsilon(rel).margin(1e-13));
}

}  // namespace

TEST_CASE("SGD: W -= lr*g for two steps", "[optim][optimizers]") {
  auto w = param_with_grad();
  SGD<double> opt({w}, 0.1);
  opt.step();
  require_values(w, 0.95, -1.9);
  opt.step();
  require_values(w, 0.9, -1.8);
  REQUIRE(opt.steps() == 2);
}

TEST_CASE("Momentum: v = m*v - lr*g; W += v for two steps", "[optim][optimizers]") {
  auto w = param_with_grad();
  Momentum<double> opt({w}, 0.1, 0.9);
  opt.step();  // v = (-0.05, 0.1)
  require_values(w, 0.95, -1.9);
  opt.step();  // v = 0.9*(-0.05) - 0.05 = -0.095,  0.9*0.1 + 0.1 = 0.19
  require_values(w, 0.855, -1.71);
}

TEST_CASE("Nesterov: the book's rearranged update for two steps", "[optim][optimizers]") {
  auto w = param_with_grad();
  Nesterov<double> opt({w}, 0.1, 0.9);
  // step 1: v = (-0.05, 0.1); W += 0.81*v - 1.9*0.1*g = (-0.0405 - 0.095, 0.081 + 0.19)
  opt.step();
  require_values(w, 0.8645, -1.729);
  // step 2: v = (-0.095, 0.19); W += (0.81*(-0.095) - 0.095, 0.81*0.19 + 0.19) = (-0.17195, 0.3439)
  opt.step();
  require_values(w, 0.69255, -1.3851);
}

TEST_CASE("AdaGrad: h += g^2; W -= lr*g/(sqrt(h)+1e-7) for two steps", "[optim][optimizers]") {
  auto w = param_with_grad();
  AdaGrad<double> opt({w}, 0.1);
  // step 1: h = (0.25, 1): each element moves by lr (up to the 1e-7): W ≈ (0.9, -1.9)
  const double a1 = 1.0 - 0.1 * 0.5 / (0.5 + 1e-7), b1 = -2.0 + 0.1 * 1.0 / (1.0 + 1e-7);
  opt.step();
  require_values(w, a1, b1);
  REQUIRE(w.data()(0) == Approx(0.9).epsilon(1e-6));
  // step 2: h = (0.5, 2): moves by lr/sqrt(2) ≈ 0.0707107: W ≈ (0.8292893, -1.8292893)
  const double a2 = a1 - 0.1 * 0.5 / (std::sqrt(0.5) + 1e-7), b2 = b1 + 0.1 * 1.0 / (std::sqrt(2.0) + 1e-7);
  opt.step();
  require_values(w, a2, b2);
  REQUIRE(w.data()(0) == Approx(0.8292893).epsilon(1e-6));
  REQUIRE(w.data()(1) == Approx(-1.8292893).epsilon(1e-6));
}

TEST_CASE("RMSprop: h = rho*h + (1-rho)*g^2; W -= lr*g/(sqrt(h)+1e-7) for two steps", "[optim][optimizers]") {
  auto w = param_with_grad();
  RMSprop<double> opt({w}, 0.1, 0.99);
  // step 1: h = 0.01*g^2 = (0.0025, 0.01), sqrt(h) = (0.05, 0.1): each element moves by 0.1*10 = 1.
  const double a1 = 1.0 - 0.1 * 0.5 / (0.05 + 1e-7), b1 = -2.0 + 0.1 * 1.0 / (0.1 + 1e-7);
  opt.step();
  require_values(w, a1, b1);
  REQUIRE(w.data()(0) == Approx(0.0).margin(1e-5));
  REQUIRE(w.data()(1) == Approx(-1.0).epsilon(1e-5));
  // step 2: h = (0.99*0.0025 + 0.0025, 0.99*0.01 + 0.01) = (0.004975, 0.0199): moves by ≈ 0.708881.
  const double a2 = a1 - 0.1 * 0.5 / (std::sqrt(0.004975) + 1e-7), b2 = b1 + 0.1 * 1.0 / (std::sqrt(0.0199) + 1e-7);
  opt.step();
  require_values(w, a2, b2);
  REQUIRE(w.data()(0) == Approx(-0.708881).epsilon(1e-5));
  REQUIRE(w.data()(1) == Approx(-0.291119).epsilon(1e-5));
}

TEST_CASE("Adam: the book's bias-corrected update for two steps", "[optim][optimizers]") {
  auto w = param_with_grad();
  Adam<double> opt({w}, 0.1, 0.9, 0.999);
  // step 1: lr_t = 0.1*sqrt(1-0.999)/(1-0.9); m = 0.1*g = (0.05, -0.1); v = 0.001*g^2 = (0.00025, 0.001)
  const double lr1 = 0.1 * std::sqrt(1 - 0.999) / (1 - 0.9);
  const double a1 = 1.0 - lr1 * 0.05 / (std::sqrt(0.00025) + 1e-7);
  const double b1 = -2.0 - lr1 * -0.1 / (std::sqrt(0.001) + 1e-7);
  opt.step();
  require_values(w, a1, b1);
  // With a constant gradient each Adam step is lr·sign(g) up to the 1e-7.
  REQUIRE(w.data()(0) == Approx(0.9).epsilon(1e-5));
  REQUIRE(w.data()(1) == Approx(-1.9).epsilon(1e-5));
  // step 2: lr_t = 0.1*sqrt(1-0.999^2)/(1-0.9^2); m = 0.05 + 0.1*(0.5-0.05) = 0.095,
  // v = 0.00025 + 0.001*(0.25-0.00025) = 0.00049975 (and twice / four times that for element 1).
  const double lr2 = 0.1 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.9 * 0.9);
  const double a2 = a1 - lr2 * 0.095 / (std::sqrt(0.00049975) + 1e-7);
  const double b2 = b1 - lr2 * -0.19 / (std::sqrt(0.0019990) + 1e-7);
  opt.step();
  require_values(w, a2, b2);
  REQUIRE(w.data()(0) == Approx(0.8).epsilon(1e-5));
  REQUIRE(w.data()(1) == Approx(-1.8).epsilon(1e-5));
}

TEST_CASE("float optimizers follow the double ones", "[optim][optimizers]") {
  for (const auto& name : optimizer_names()) {
    INFO(name);
    auto w32 = variable<float>({1.0f, -2.0f}, true);
    w32.set_grad(variable<float>({0.5f, -1.0f}));
    auto w64 = param_with_grad();
    auto o32 = make_optimizer<float>(name, {w32}, 0.1);
    auto o64 = make_optimizer<double>(name, {w64}, 0.1);
    for (int i = 0; i < 2; ++i) {
      o32->step();
      o64->step();
    }
    REQUIRE(w32.data()(0) == Approx(w64.data()(0)).epsilon(1e-5).margin(1e-5));
    REQUIRE(w32.data()(1) == Approx(w64.data()(1)).epsilon(1e-5).margin(1e-5));
    // It moved: a rule that did nothing would pass the comparison above.
    REQUIRE(std::abs(w64.data()(0) - 1.0) > 0.05);
  }
}

TEST_CASE("make_optimizer: names, the book's default rates, errors", "[optim][optimizers]") {
  auto w = param_with_grad();
  REQUIRE(default_lr("adam") == 0.001);
  REQUIRE(default_lr("sgd") == 0.1);
  REQUIRE(default_lr("rmsprop") == 0.01);
  REQUIRE(make_optimizer<double>("adam", {w})->lr() == 0.001);
  REQUIRE(make_optimizer<double>("momentum", {w}, 0.5)->lr() == 0.5);
  REQUIRE(dynamic_cast<Nesterov<double>*>(make_optimizer<double>("nesterov", {w}).get()) != nullptr);
  REQUIRE_THROWS_WITH(make_optimizer<double>("adamw", {w}), Catch::Contains("unknown optimizer 'adamw'") &&
                                                                Catch::Contains("rmsprop"));
  REQUIRE_THROWS_AS(Momentum<double>({w}, 0.1, 1.0), std::invalid_argument);
  REQUIRE_THROWS_AS(Adam<double>({w}, 0.1, 0.9, -0.1), std::invalid_argument);
  REQUIRE_THROWS_AS(RMSprop<double>({w}, 0.1, 1.5), std::invalid_argument);
}

TEST_CASE("optimizer state is per parameter and starts at a parameter's first update", "[optim][optimizers]") {
  // b gets no gradient in step 1, so its Adam state (and step count) starts at step 2: its first
  // update is the first-step value lr·sign(g), not a second-step one.
  auto a = param_with_grad();
  auto b = variable<double>({1.0, -2.0}, true);
  Adam<double> opt({a, b}, 0.1);
  opt.step();
  REQUIRE(b.data()(0) == 1.0);
  b.set_grad(variable<double>({0.5, -1.0}));
  opt.step();
  const double lr1 = 0.1 * std::sqrt(1 - 0.999) / (1 - 0.9);
  require_values(b, 1.0 - lr1 * 0.05 / (std::sqrt(0.00025) + 1e-7), -2.0 + lr1 * 0.1 / (std::sqrt(0.001) + 1e-7));
  // ... while a took its second step.
  REQUIRE(a.data()(0) == Approx(0.8).epsilon(1e-5));
}

TEST_CASE("weight decay: the update sees g + lambda*W, the stored gradient is untouched", "[optim][hooks]") {
  auto w = param_with_grad();
  SGD<double> opt({w}, 0.1);
  opt.set_weight_decay(0.5);
  opt.step();  // g' = (0.5 + 0.5*1, -1 + 0.5*(-2)) = (1, -2)
  require_values(w, 0.9, -1.8);
  REQUIRE(w.grad().data()(0) == 0.5);
  REQUIRE(w.grad().data()(1) == -1.0);
  opt.step();  // g' = (0.5 + 0.45, -1 - 0.9) = (0.95, -1.9)
  require_values(w, 0.805, -1.61);

  SECTION("per parameter: only the chosen one decays (the book decays weights, not biases)") {
    auto W = param_with_grad(), b = param_with_grad();
    SGD<double> o({W, b}, 0.1);
    o.set_weight_decay(W, 0.5);
    REQUIRE(o.weight_decay(0) == 0.5);
    REQUIRE(o.weight_decay(1) == 0.0);
    o.step();
    require_values(W, 0.9, -1.8);
    require_values(b, 0.95, -1.9);
    REQUIRE_THROWS_AS(o.set_weight_decay(-1.0), std::invalid_argument);
    REQUIRE_THROWS_AS(o.set_weight_decay(variable<double>({1.0}), 0.1), std::invalid_argument);
  }
  SECTION("with Momentum the decayed gradient feeds the velocity") {
    auto p = param_with_grad();
    Momentum<double> o({p}, 0.1, 0.9);
    o.set_weight_decay(0.5);
    o.step();  // v = -0.1*(1, -2)
    require_values(p, 0.9, -1.8);
    o.step();  // g' = (0.95, -1.9); v = 0.9*(-0.1, 0.2) - 0.1*(0.95, -1.9) = (-0.185, 0.37)
    require_values(p, 0.715, -1.43);
  }
}

TEST_CASE("gradient clipping by global norm on the optimizer", "[optim][hooks]") {
  // Global norm of (3, 0) and (0, 4) is 5.
  auto a = variable<double>({1.0, 1.0}, true), b = variable<double>({1.0, 1.0}, true);
  a.set_grad(variable<double>({3.0, 0.0}));
  b.set_grad(variable<double>({0.0, 4.0}));
  SGD<double> opt({a, b}, 1.0);
  opt.set_clip_norm(1.0);  // scale 1/5
  opt.step();
  REQUIRE(opt.last_grad_norm() == Approx(5.0));
  require_values(a, 1.0 - 0.6, 1.0);
  require_values(b, 1.0, 1.0 - 0.8);
  // The stored gradients are unchanged.
  REQUIRE(a.grad().data()(0) == 3.0);
  REQUIRE(b.grad().data()(1) == 4.0);

  SECTION("below the threshold nothing is scaled") {
    opt.set_clip_norm(10.0);
    opt.step();
    require_values(a, 0.4 - 3.0, 1.0);
    REQUIRE(opt.last_grad_norm() == Approx(5.0));
  }
  SECTION("clipping comes before weight decay, and frozen parameters are not in the norm") {
    opt.freeze(b);
    opt.set_weight_decay(1.0);
    opt.set_clip_norm(1.5);  // norm of a's gradient alone is 3: scale 0.5, then + W
    opt.step();              // g' = (1.5 + 0.4, 0 + 1) = (1.9, 1)
    REQUIRE(opt.last_grad_norm() == Approx(3.0));
    require_values(a, 0.4 - 1.9, 1.0 - 1.0);
    require_values(b, 1.0, 0.2);
  }
  REQUIRE_THROWS_AS(opt.set_clip_norm(-1.0), std::invalid_argument);
}

TEST_CASE("clip_grad_norm returns the norm and never writes into a shared gradient", "[optim][hooks]") {
  auto a = variable<double>({0.0, 0.0}, true), b = variable<double>({0.0, 0.0}, true);
  auto shared = variable<double>({3.0, 4.0});  // one gradient tensor used by both parameters
  a.set_grad(shared);
  b.set_grad(shared);
  const double norm = clip_grad_norm<double>({a, b}, 1.0);
  REQUIRE(norm == Approx(std::sqrt(50.0)));  // sqrt(25 + 25)
  const double s = 1.0 / std::sqrt(50.0);
  // Each parameter scaled exactly once (writing in place would have scaled the shared tensor twice).
  REQUIRE(a.grad().data()(0) == Approx(3.0 * s));
  REQUIRE(b.grad().data()(1) == Approx(4.0 * s));
  REQUIRE(grad_norm<double>({a, b}) == Approx(1.0));
  REQUIRE(shared.data()(0) == 3.0);
  REQUIRE(shared.data()(1) == 4.0);
  // Under the threshold: the norm is returned and the gradients are left as they are.
  REQUIRE(clip_grad_norm<double>({a, b}, 2.0) == Approx(1.0));
  REQUIRE(a.grad().data()(0) == Approx(3.0 * s));
  REQUIRE_THROWS_AS(clip_grad_norm<double>({a}, -1.0), std::invalid_argument);
}

TEST_CASE("a gradient shared by backward is not modified by the optimizer hooks", "[optim][hooks]") {
  // add's backward hands the same upstream gradient to both inputs: check whether they share, and
  // that the hooks give the right update either way.
  auto a = variable<double>({1.0, 2.0}, true), b = variable<double>({3.0, 4.0}, true);
  sum(a + b).backward();
  SGD<double> opt({a, b}, 0.1);
  opt.set_weight_decay(1.0);
  opt.set_clip_norm(1.0);  // norm of the ones is 2: scale 0.5
  opt.step();              // g' = 0.5 + W
  require_values(Var64(a), 1.0 - 0.1 * 1.5, 2.0 - 0.1 * 2.5);
  require_values(Var64(b), 3.0 - 0.1 * 3.5, 4.0 - 0.1 * 4.5);
  REQUIRE(a.grad().data()(0) == 1.0);
  REQUIRE(b.grad().data()(1) == 1.0);
}

TEST_CASE("freezing skips a parameter; trainable() drops requires_grad=false ones", "[optim][hooks]") {
  auto a = param_with_grad(), b = param_with_grad();
  Momentum<double> opt({a, b}, 0.1, 0.9);
  opt.freeze(1);
  REQUIRE(opt.is_frozen(1));
  opt.step();
  require_values(a, 0.95, -1.9);
  require_values(b, 1.0, -2.0);
  opt.unfreeze(1);
  opt.step();  // b's first update: its velocity was not advanced while frozen
  require_values(b, 0.95, -1.9);
  require_values(a, 0.855, -1.71);
  opt.freeze(a);
  opt.step();
  require_values(a, 0.855, -1.71);
  REQUIRE(opt.index_of(b) == 1);
  REQUIRE_THROWS_AS(opt.freeze(variable<double>({1.0})), std::invalid_argument);
  REQUIRE_THROWS_AS(opt.freeze(7), std::out_of_range);

  auto fixed = variable<double>({1.0}, false);
  const auto kept = trainable<double>({a, fixed, b});
  REQUIRE(kept.size() == 2);
  REQUIRE(kept[1].node() == b.node());
}
