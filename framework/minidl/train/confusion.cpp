#include "minidl/train/confusion.hpp"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace minidl {

ConfusionMatrix::ConfusionMatrix(std::size_t classes) : classes_(classes), counts_(classes * classes, 0) {
  if (classes == 0) throw std::invalid_argument("ConfusionMatrix: 0 classes");
}

void ConfusionMatrix::add(std::size_t truth, std::size_t predicted) {
  if (truth >= classes_ || predicted >= classes_)
    throw std::out_of_range("ConfusionMatrix::add: class " + std::to_string(truth >= classes_ ? truth : predicted) +
                            " (" + (truth >= classes_ ? "true" : "predicted") + ") is not below " +
                            std::to_string(classes_));
  ++counts_[truth * classes_ + predicted];
  ++total_;
}

std::size_t ConfusionMatrix::support(std::size_t c) const {
  std::size_t n = 0;
  for (std::size_t p = 0; p < classes_; ++p) n += count(c, p);
  return n;
}

std::size_t ConfusionMatrix::predicted_as(std::size_t c) const {
  std::size_t n = 0;
  for (std::size_t t = 0; t < classes_; ++t) n += count(t, c);
  return n;
}

double ConfusionMatrix::accuracy() const {
  if (total_ == 0) return 0;
  std::size_t correct = 0;
  for (std::size_t c = 0; c < classes_; ++c) correct += count(c, c);
  return static_cast<double>(correct) / static_cast<double>(total_);
}

double ConfusionMatrix::precision(std::size_t c) const {
  const std::size_t n = predicted_as(c);
  return n ? static_cast<double>(count(c, c)) / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

double ConfusionMatrix::recall(std::size_t c) const {
  const std::size_t n = support(c);
  return n ? static_cast<double>(count(c, c)) / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

namespace {

std::string percent(double v) {
  if (std::isnan(v)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100 * v << "%";
  return s.str();
}

}  // namespace

std::string format_class_report(const ConfusionMatrix& cm) {
  std::ostringstream out;
  out << "class  support  precision   recall\n";
  double sum_p = 0, sum_r = 0;
  std::size_t n_p = 0, n_r = 0;
  for (std::size_t c = 0; c < cm.classes(); ++c) {
    const double p = cm.precision(c), r = cm.recall(c);
    if (!std::isnan(p)) sum_p += p, ++n_p;
    if (!std::isnan(r)) sum_r += r, ++n_r;
    out << std::setw(5) << c << std::setw(9) << cm.support(c) << std::setw(11) << percent(p) << std::setw(9)
        << percent(r) << "\n";
  }
  out << " mean" << std::setw(9) << cm.total() << std::setw(11)
      << percent(n_p ? sum_p / static_cast<double>(n_p) : std::nan("")) << std::setw(9)
      << percent(n_r ? sum_r / static_cast<double>(n_r) : std::nan("")) << "\n";
  return out.str();
}

std::string format_confusion(const ConfusionMatrix& cm) {
  std::size_t widest = 1;
  for (std::size_t t = 0; t < cm.classes(); ++t)
    for (std::size_t p = 0; p < cm.classes(); ++p) widest = std::max(widest, std::to_string(cm.count(t, p)).size());
  widest = std::max(widest, std::to_string(cm.classes() - 1).size());
  const int w = static_cast<int>(widest) + 1;
  std::ostringstream out;
  out << "true \\ predicted\n" << std::setw(5) << "";
  for (std::size_t p = 0; p < cm.classes(); ++p) out << std::setw(w) << p;
  out << "\n";
  for (std::size_t t = 0; t < cm.classes(); ++t) {
    out << std::setw(5) << t;
    for (std::size_t p = 0; p < cm.classes(); ++p) out << std::setw(w) << cm.count(t, p);
    out << "\n";
  }
  return out.str();
}

}  // namespace minidl
