#include "minidl/core/random.hpp"

#include <sstream>
#include <stdexcept>

namespace minidl {

std::uint64_t Generator::uniform_int(std::uint64_t n) {
  // Lemire-style rejection would be faster; uniform_int_distribution is exact and reproducible
  // with libstdc++, which is what matters here.
  std::uniform_int_distribution<std::uint64_t> dist(0, n - 1);
  return dist(engine_);
}

double Generator::uniform(double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  return dist(engine_);
}

double Generator::normal(double mean, double stddev) {
  std::normal_distribution<double> dist(mean, stddev);
  return dist(engine_);
}

std::string Generator::state() const {
  // The seed first, so a restored generator also reports where its stream began.
  std::ostringstream out;
  out << seed_ << ' ' << engine_;
  return out.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream in(state);
  std::uint64_t seed = 0;
  std::mt19937_64 engine;
  in >> seed >> engine;
  // Everything must be consumed: a truncated state would otherwise leave the engine half-read.
  if (in.fail() || !(in >> std::ws).eof())
    throw std::invalid_argument("Generator::set_state: not a saved generator state (" +
                                std::to_string(state.size()) + " characters)");
  seed_ = seed;
  engine_ = engine;
}

Generator& default_generator() {
  // One per thread: threads never share (and race on) an engine's state, and each thread's stream
  // is reproducible on its own, whatever the others draw.
  thread_local Generator gen(0);
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().seed(seed); }

template <typename T>
Tensor<T> randn_tensor(const Shape& shape, Generator& gen, double mean, double stddev) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  std::normal_distribution<double> dist(mean, stddev);
  for (auto& v : t) v = static_cast<T>(dist(gen.engine()));
  return t;
}

template <typename T>
Tensor<T> uniform_tensor(const Shape& shape, Generator& gen, double lo, double hi) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (auto& v : t) v = static_cast<T>(dist(gen.engine()));
  return t;
}

template Tensor<float> randn_tensor<float>(const Shape&, Generator&, double, double);
template Tensor<double> randn_tensor<double>(const Shape&, Generator&, double, double);
template Tensor<float> uniform_tensor<float>(const Shape&, Generator&, double, double);
template Tensor<double> uniform_tensor<double>(const Shape&, Generator&, double, double);

}  // namespace minidl
