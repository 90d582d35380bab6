#include "minidl/nn/dropout.hpp"

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

template class Dropout<float>;
template class Dropout<double>;

}  // namespace minidl
