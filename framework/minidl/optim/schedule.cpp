#include "minidl/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace minidl {

namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

Schedule::Schedule() : factor_([](std::size_t) { return 1.0; }), description_("constant(1)") {}

Schedule::Schedule(Fn factor, std::string description)
    : factor_(std::move(factor)), description_(std::move(description)) {
  if (!factor_) throw std::invalid_argument("Schedule: empty function");
}

Schedule constant_lr(double factor) {
  return Schedule([factor](std::size_t) { return factor; }, "constant(" + fmt(factor) + ")");
}

Schedule step_lr(std::size_t step_size, double gamma) {
  if (step_size == 0) throw std::invalid_argument("step_lr: step_size must be > 0");
  if (!(gamma >= 0)) throw std::invalid_argument("step_lr: gamma must be >= 0, got " + fmt(gamma));
  return Schedule([step_size, gamma](std::size_t t) { return std::pow(gamma, static_cast<double>(t / step_size)); },
                  "step(size=" + std::to_string(step_size) + ", gamma=" + fmt(gamma) + ")");
}

Schedule cosine_lr(std::size_t total, double min_factor) {
  if (total == 0) throw std::invalid_argument("cosine_lr: total must be > 0");
  if (!(min_factor >= 0 && min_factor <= 1))
    throw std::invalid_argument("cosine_lr: min_factor must be in [0, 1], got " + fmt(min_factor));
  return Schedule(
      [total, min_factor](std::size_t t) {
        const double progress = static_cast<double>(std::min(t, total)) / static_cast<double>(total);
        return min_factor + (1.0 - min_factor) * 0.5 * (1.0 + std::cos(M_PI * progress));
      },
      "cosine(total=" + std::to_string(total) + ", min=" + fmt(min_factor) + ")");
}

Schedule warmup_lr(std::size_t steps) {
  if (steps == 0) throw std::invalid_argument("warmup_lr: steps must be > 0");
  return Schedule(
      [steps](std::size_t t) { return std::min(1.0, static_cast<double>(t + 1) / static_cast<double>(steps)); },
      "warmup(" + std::to_string(steps) + ")");
}

Schedule then(const Schedule& first, std::size_t at, const Schedule& second) {
  return Schedule([first, at, second](std::size_t t) { return t < at ? first(t) : second(t - at); },
                  first.describe() + " then at " + std::to_string(at) + " " + second.describe());
}

Schedule operator*(const Schedule& a, const Schedule& b) {
  return Schedule([a, b](std::size_t t) { return a(t) * b(t); }, a.describe() + " * " + b.describe());
}

template <typename T>
double apply_schedule(Optimizer<T>& optimizer, const Schedule& schedule, double base_lr, std::size_t t) {
  const double lr = base_lr * schedule(t);
  optimizer.set_lr(lr);
  return lr;
}

template double apply_schedule<float>(Optimizer<float>&, const Schedule&, double, std::size_t);
template double apply_schedule<double>(Optimizer<double>&, const Schedule&, double, std::size_t);

}  // namespace minidl
