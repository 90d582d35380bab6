#include "minidl/nn/dropout.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "minidl/ops/dropout.hpp"

namespace minidl {

template <typename T>
Dropout<T>::Dropout(double ratio, Generator& gen) : ratio_(ratio), gen_(&gen) {
  if (!(ratio >= 0.0 && ratio < 1.0)) {
    std::ostringstream msg;
    msg << "Dropout: ratio must be in [0, 1), got " << ratio;
    throw std::invalid_argument(msg.str());
  }
}

template <typename T>
Variable<T> Dropout<T>::forward(const Variable<T>& x) {
  if (!this->is_training()) return x;
  return dropout(x, ratio_, *gen_);
}

template <typename T>
std::string Dropout<T>::describe() const {
  std::ostringstream s;
  s << "Dropout(" << ratio_ << ")";
  return s.str();
}

namespace {

template <typename T>
void collect_dropout_generators(const Module<T>& m, std::vector<Generator*>& out) {
  if (const auto* d = dynamic_cast<const Dropout<T>*>(&m)) {
    Generator* g = &d->generator();
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  }
  for (const auto& child : m.children()) collect_dropout_generators(*child.second, out);
}

}  // namespace

template <typename T>
std::vector<Generator*> dropout_generators(const Module<T>& model) {
  std::vector<Generator*> out;
  collect_dropout_generators(model, out);
  return out;
}

template std::vector<Generator*> dropout_generators<float>(const Module<float>&);
template std::vector<Generator*> dropout_generators<double>(const Module<double>&);

template class Dropout<float>;
template class Dropout<double>;

}  // namespace minidl
