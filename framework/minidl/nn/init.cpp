#include "minidl/nn/init.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace minidl {

Init parse_init(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "std") return Init::Std;
  if (n == "xavier") return Init::Xavier;
  if (n == "he") return Init::He;
  throw std::invalid_argument("init: unknown initialisation '" + name + "' (expected std, xavier or he)");
}

const char* init_name(Init init) {
  switch (init) {
    case Init::Std: return "std";
    case Init::Xavier: return "xavier";
    case Init::He: return "he";
  }
  return "?";
}

template <typename T>
Tensor<T> init_weight(const Shape& shape, std::size_t fan_in, Init init, Generator& gen, double stddev) {
  if (fan_in == 0) throw std::invalid_argument("init_weight: fan_in must be positive");
  double s = stddev;
  if (init == Init::Xavier) s = std::sqrt(1.0 / static_cast<double>(fan_in));
  if (init == Init::He) s = std::sqrt(2.0 / static_cast<double>(fan_in));
  return randn_tensor<T>(shape, gen, 0.0, s);
}

template Tensor<float> init_weight<float>(const Shape&, std::size_t, Init, Generator&, double);
template Tensor<double> init_weight<double>(const Shape&, std::size_t, Init, Generator&, double);

}  // namespace minidl
