#include "minidl/text/bptt.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace minidl {
namespace text {

BpttStreams::BpttStreams(IndexTensor ids, std::size_t batch, std::size_t bptt, bool keep_tail)
    : ids_(std::move(ids)), batch_(batch), bptt_(bptt), length_(0), windows_(0) {
  if (ids_.dimension() != 1) {
    throw std::invalid_argument("BpttStreams: ids must be 1-d, got " + std::to_string(ids_.dimension()) + " axes");
  }
  if (batch == 0 || bptt == 0) {
    throw std::invalid_argument("BpttStreams: batch (" + std::to_string(batch) + ") and bptt (" +
                                std::to_string(bptt) + ") must be positive");
  }
  length_ = ids_.size() > 0 ? (ids_.size() - 1) / batch : 0;
  windows_ = length_ / bptt + (keep_tail && length_ % bptt != 0 ? 1 : 0);
  if (windows_ == 0) {
    throw std::invalid_argument("BpttStreams: " + std::to_string(ids_.size()) + " tokens are too few for " +
                                std::to_string(batch) + " streams of " + std::to_string(keep_tail ? 1 : bptt) +
                                " steps (need " + std::to_string(batch * (keep_tail ? 1 : bptt) + 1) + ")");
  }
}

std::size_t BpttStreams::tokens_per_pass() const {
  std::size_t steps_total = 0;
  for (std::size_t w = 0; w < windows_; ++w) steps_total += steps(w);
  return steps_total * batch_;
}

std::size_t BpttStreams::steps(std::size_t w) const {
  if (w >= windows_) {
    throw std::out_of_range("BpttStreams: window " + std::to_string(w) + " of " + std::to_string(windows_));
  }
  const std::size_t start = w * bptt_;
  return std::min(bptt_, length_ - start);
}

BpttWindow BpttStreams::window(std::size_t w) const {
  const std::size_t t_steps = steps(w);
  const std::size_t start = w * bptt_;
  BpttWindow out{IndexTensor::from_shape({batch_, t_steps}), IndexTensor::from_shape({batch_, t_steps})};
  const Index* src = ids_.data();
  Index* x = out.inputs.data();
  Index* y = out.targets.data();
  for (std::size_t n = 0; n < batch_; ++n) {
    const Index* row = src + n * length_ + start;
    for (std::size_t t = 0; t < t_steps; ++t) {
      x[n * t_steps + t] = row[t];
      y[n * t_steps + t] = row[t + 1];
    }
  }
  return out;
}

}  // namespace text
}  // namespace minidl
