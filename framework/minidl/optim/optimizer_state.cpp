// Optimizer settings as JSON and the accumulated state as plain tensors and counters: the parts
// of Optimizer that checkpoints use.
#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "minidl/optim/optimizer.hpp"
#include "minidl/detail/optimizer_state.hpp"

namespace minidl {

namespace {

// The spec keys apply_spec may change; every other key is fixed at construction.
const std::set<std::string>& settable_keys() {
  static const std::set<std::string> keys{"lr", "weight_decay", "clip_norm", "frozen"};
  return keys;
}

[[noreturn]] void bad_spec(const std::string& what) { throw std::invalid_argument("optimizer spec: " + what); }

double spec_number(const nlohmann::json& spec, const std::string& key) {
  const nlohmann::json& v = spec.at(key);
  if (!v.is_number()) bad_spec("'" + key + "' must be a number, got " + v.dump());
  return v.get<double>();
}

}  // namespace

template <typename T>
nlohmann::json Optimizer<T>::spec() const {
  nlohmann::json s = nlohmann::json::object();
  s["kind"] = kind();
  s["lr"] = lr_;
  add_hyperparameters(s);
  const bool uniform = std::all_of(decay_.begin(), decay_.end(), [&](double d) { return d == decay_.front(); });
  if (decay_.empty() || uniform) {
    s["weight_decay"] = decay_.empty() ? 0.0 : decay_.front();
  } else {
    s["weight_decay"] = decay_;
  }
  s["clip_norm"] = clip_norm_;
  nlohmann::json frozen = nlohmann::json::array();
  for (std::size_t i = 0; i < frozen_.size(); ++i) {
    if (frozen_[i]) frozen.push_back(i);
  }
  s["frozen"] = frozen;
  return s;
}

template <typename T>
void Optimizer<T>::apply_spec(const nlohmann::json& spec) {
  if (!spec.is_object()) bad_spec("must be a JSON object, got " + spec.dump());
  if (!spec.contains("kind") || spec["kind"] != kind()) {
    bad_spec("kind " + (spec.contains("kind") ? spec["kind"].dump() : std::string("(missing)")) +
             " does not match this optimizer ('" + kind() + "')");
  }
  // Constructor hyper-parameters must match exactly; anything else is a key this kind lacks.
  const nlohmann::json mine = this->spec();
  for (const auto& [key, value] : spec.items()) {
    if (key == "kind" || settable_keys().count(key)) continue;
    if (!mine.contains(key)) bad_spec("unknown key '" + key + "' for an optimizer of kind '" + kind() + "'");
    if (mine[key] != value) {
      bad_spec("'" + key + "' is " + value.dump() + " but this optimizer was built with " + mine[key].dump());
    }
  }
  for (const auto& [key, value] : mine.items()) {
    if (!settable_keys().count(key) && !spec.contains(key)) bad_spec("missing '" + key + "'");
  }

  // Parse every settable value before changing anything.
  const std::size_t n = params_.size();
  double lr = lr_;
  if (spec.contains("lr")) lr = spec_number(spec, "lr");
  if (!(lr >= 0)) bad_spec("'lr' must be >= 0, got " + spec["lr"].dump());
  std::vector<double> decay = decay_;
  if (spec.contains("weight_decay")) {
    const nlohmann::json& wd = spec["weight_decay"];
    if (wd.is_number()) {
      decay.assign(n, wd.get<double>());
    } else if (wd.is_array() && wd.size() == n) {
      for (std::size_t i = 0; i < n; ++i) {
        if (!wd[i].is_number()) bad_spec("'weight_decay' entries must be numbers, got " + wd[i].dump());
        decay[i] = wd[i].get<double>();
      }
    } else {
      bad_spec("'weight_decay' must be a number or " + std::to_string(n) + " numbers, got " + wd.dump());
    }
    for (double d : decay) {
      if (!(d >= 0)) bad_spec("'weight_decay' must be >= 0, got " + wd.dump());
    }
  }
  double clip = clip_norm_;
  if (spec.contains("clip_norm")) clip = spec_number(spec, "clip_norm");
  if (!(clip >= 0)) bad_spec("'clip_norm' must be >= 0, got " + spec["clip_norm"].dump());
  std::vector<char> frozen = frozen_;
  if (spec.contains("frozen")) {
    const nlohmann::json& f = spec["frozen"];
    if (!f.is_array()) bad_spec("'frozen' must be a list of parameter indices, got " + f.dump());
    std::fill(frozen.begin(), frozen.end(), 0);
    for (const auto& i : f) {
      if (!(i.is_number_unsigned() || (i.is_number_integer() && i.get<std::int64_t>() >= 0)) || i.get<std::uint64_t>() >= n) {
        bad_spec("'frozen' holds " + i.dump() + ", not a parameter index below " + std::to_string(n));
      }
      frozen[i.get<std::size_t>()] = 1;
    }
  }
  lr_ = lr;
  decay_ = std::move(decay);
  clip_norm_ = clip;
  if (clip == 0) last_norm_ = 0;
  frozen_ = std::move(frozen);
}

template <typename T>
OptimizerState<T> Optimizer<T>::export_state() const {
  OptimizerState<T> out;
  out.steps = steps_;
  // state_refs() hands out mutable pointers for import_state's sake; here they are only read.
  const StateRefs refs = const_cast<Optimizer<T>*>(this)->state_refs();
  for (const auto& [name, counter] : refs.counters) {
    std::vector<std::uint64_t> values(params_.size(), 0);
    for (std::size_t i = 0; i < counter->size() && i < values.size(); ++i) values[i] = (*counter)[i];
    out.counters.emplace(name, std::move(values));
  }
  for (const auto& [name, slots] : refs.tensors) {
    for (std::size_t i = 0; i < slots->size() && i < params_.size(); ++i) {
      if ((*slots)[i].shape() == params_[i].data().shape()) out.tensors.push_back({name, i, (*slots)[i]});
    }
  }
  return out;
}

template <typename T>
void Optimizer<T>::import_state(const OptimizerState<T>& state) {
  const std::size_t n = params_.size();
  const StateRefs refs = state_refs();
  for (const auto& [name, values] : state.counters) {
    // A named copy: C++17 lambdas cannot capture structured bindings (clang refuses).
    const std::string& wanted = name;
    const auto it =
        std::find_if(refs.counters.begin(), refs.counters.end(), [&](const auto& c) { return c.first == wanted; });
    if (it == refs.counters.end()) {
      throw std::invalid_argument("optimizer state: an optimizer of kind '" + kind() + "' has no counter '" + name + "'");
    }
    if (values.size() != n) {
      throw std::invalid_argument("optimizer state: counter '" + name + "' has " + std::to_string(values.size()) +
                                  " values for " + std::to_string(n) + " parameters");
    }
  }
  for (const auto& [name, counter] : refs.counters) {
    if (!state.counters.count(name)) throw std::invalid_argument("optimizer state: missing counter '" + name + "'");
  }
  std::set<std::pair<std::string, std::size_t>> seen;
  for (const auto& t : state.tensors) {
    const auto it = std::find_if(refs.tensors.begin(), refs.tensors.end(), [&](const auto& s) { return s.first == t.slot; });
    if (it == refs.tensors.end()) {
      throw std::invalid_argument("optimizer state: an optimizer of kind '" + kind() + "' has no state '" + t.slot + "'");
    }
    if (t.index >= n) {
      throw std::invalid_argument("optimizer state: '" + t.slot + "' of parameter " + std::to_string(t.index) +
                                  ", but there are only " + std::to_string(n) + " parameters");
    }
    if (t.value.shape() != params_[t.index].data().shape()) {
      const Shape got(t.value.shape().begin(), t.value.shape().end());
      throw std::invalid_argument("optimizer state: '" + t.slot + "' of parameter " + std::to_string(t.index) +
                                  " has shape " + shape_str(got) + " but the parameter has shape " +
                                  shape_str(params_[t.index].shape()));
    }
    if (!seen.emplace(t.slot, t.index).second) {
      throw std::invalid_argument("optimizer state: '" + t.slot + "' of parameter " + std::to_string(t.index) +
                                  " appears twice");
    }
  }

  steps_ = static_cast<std::size_t>(state.steps);
  for (const auto& [name, counter] : refs.counters) {
    const auto& values = state.counters.at(name);
    counter->assign(values.begin(), values.end());
  }
  for (const auto& [name, slots] : refs.tensors) slots->assign(n, detail::unused_slot<T>());
  for (const auto& t : state.tensors) {
    for (const auto& [name, slots] : refs.tensors) {
      if (name == t.slot) (*slots)[t.index] = t.value;
    }
  }
}

template <typename T>
std::vector<std::string> Optimizer<T>::state_slot_names() const {
  std::vector<std::string> names;
  for (const auto& slot : const_cast<Optimizer<T>*>(this)->state_refs().tensors) names.push_back(slot.first);
  return names;
}

template <typename T>
std::vector<std::string> Optimizer<T>::state_counter_names() const {
  std::vector<std::string> names;
  for (const auto& counter : const_cast<Optimizer<T>*>(this)->state_refs().counters) names.push_back(counter.first);
  return names;
}

template std::vector<std::string> Optimizer<float>::state_slot_names() const;
template std::vector<std::string> Optimizer<double>::state_slot_names() const;
template std::vector<std::string> Optimizer<float>::state_counter_names() const;
template std::vector<std::string> Optimizer<double>::state_counter_names() const;
template nlohmann::json Optimizer<float>::spec() const;
template nlohmann::json Optimizer<double>::spec() const;
template void Optimizer<float>::apply_spec(const nlohmann::json&);
template void Optimizer<double>::apply_spec(const nlohmann::json&);
template OptimizerState<float> Optimizer<float>::export_state() const;
template OptimizerState<double> Optimizer<double>::export_state() const;
template void Optimizer<float>::import_state(const OptimizerState<float>&);
template void Optimizer<double>::import_state(const OptimizerState<double>&);

}  // namespace minidl
