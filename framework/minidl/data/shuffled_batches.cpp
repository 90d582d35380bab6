#include "minidl/data/shuffled_batches.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace minidl {

ShuffledBatches::ShuffledBatches(std::size_t items, std::size_t batch_size, std::uint64_t seed)
    : items_(items), batch_size_(batch_size), gen_(seed) {
  if (items == 0 || batch_size == 0) {
    throw std::invalid_argument("ShuffledBatches: items (" + std::to_string(items) + ") and batch size (" +
                                std::to_string(batch_size) + ") must be positive");
  }
}

void ShuffledBatches::draw_order() {
  order_.resize(items_);
  std::iota(order_.begin(), order_.end(), std::size_t(0));
  for (std::size_t i = items_; i > 1; --i) std::swap(order_[i - 1], order_[gen_.uniform_int(i)]);
}

void ShuffledBatches::start_epoch() {
  before_epoch_ = gen_.state();
  draw_order();
  ++epochs_;
}

std::vector<std::size_t> ShuffledBatches::batch(std::size_t i) const {
  if (epochs_ == 0) throw std::logic_error("ShuffledBatches::batch: call start_epoch() first");
  if (i >= num_batches()) {
    throw std::out_of_range("ShuffledBatches::batch: batch " + std::to_string(i) + " is outside [0, " +
                            std::to_string(num_batches()) + ")");
  }
  const std::size_t begin = i * batch_size_, end = std::min(items_, begin + batch_size_);
  return std::vector<std::size_t>(order_.begin() + begin, order_.begin() + end);
}

nlohmann::json ShuffledBatches::state() const {
  return {{"epochs_started", epochs_}, {"generator", epochs_ == 0 ? gen_.state() : before_epoch_}};
}

void ShuffledBatches::restore(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("epochs_started") || !state["epochs_started"].is_number_integer() ||
      state["epochs_started"].get<long long>() < 0) {
    throw std::invalid_argument("ShuffledBatches::restore: 'epochs_started' is missing or not a count");
  }
  if (!state.contains("generator") || !state["generator"].is_string()) {
    throw std::invalid_argument("ShuffledBatches::restore: 'generator' is missing or not a string");
  }
  Generator gen = gen_;
  try {
    gen.set_state(state["generator"].get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("ShuffledBatches::restore: 'generator': ") + e.what());
  }
  gen_ = gen;
  epochs_ = state["epochs_started"].get<std::size_t>();
  if (epochs_ > 0) {
    before_epoch_ = gen_.state();
    draw_order();
  }
}

}  // namespace minidl
