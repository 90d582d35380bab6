#include "minidl/nn/module.hpp"

#include <ostream>
#include <stdexcept>

namespace minidl {

namespace {
void check_name(const std::string& name, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw std::invalid_argument(std::string("Module: ") + what + " name '" + name +
                                "' must be non-empty and contain no '.' (dots join qualified names)");
  }
}
}  // namespace

template <typename T>
Variable<T> Module<T>::register_parameter(const std::string& name, Variable<T> p) {
  check_name(name, "parameter");
  for (const auto& [n, v] : params_) {
    if (n == name) throw std::invalid_argument("Module: parameter '" + name + "' registered twice");
  }
  p.set_requires_grad(true);
  if (p.name().empty()) p.set_name(name);
  params_.emplace_back(name, p);
  return p;
}

template <typename T>
Variable<T> Module<T>::register_buffer(const std::string& name, Variable<T> b) {
  check_name(name, "buffer");
  buffers_.emplace_back(name, b);
  return b;
}

template <typename T>
void Module<T>::add_child(const std::string& name, std::shared_ptr<Module<T>> m) {
  check_name(name, "module");
  if (!m) throw std::invalid_argument("Module: child '" + name + "' is null");
  for (const auto& [n, c] : children_) {
    if (n == name) throw std::invalid_argument("Module: child '" + name + "' registered twice");
  }
  children_.emplace_back(name, std::move(m));
}

template <typename T>
void Module<T>::collect(const std::string& prefix, bool buffers, std::vector<Named>& out) const {
  for (const auto& [name, v] : buffers ? buffers_ : params_) out.emplace_back(prefix + name, v);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

template <typename T>
std::vector<typename Module<T>::Named> Module<T>::named_parameters() const {
  std::vector<Named> out;
  collect("", false, out);
  // A child registered under two names (or reused) would list its parameters twice; keep the first.
  std::vector<Named> unique;
  for (auto& nv : out) {
    bool seen = false;
    for (const auto& u : unique) seen = seen || u.second.node() == nv.second.node();
    if (!seen) unique.push_back(std::move(nv));
  }
  return unique;
}

template <typename T>
std::vector<typename Module<T>::Named> Module<T>::named_buffers() const {
  std::vector<Named> out;
  collect("", true, out);
  return out;
}

template <typename T>
std::vector<Variable<T>> Module<T>::parameters() const {
  std::vector<Variable<T>> out;
  for (auto& [name, v] : named_parameters()) out.push_back(v);
  return out;
}

template <typename T>
std::size_t Module<T>::num_parameters() const {
  std::size_t n = 0;
  for (const auto& p : parameters()) n += p.size();
  return n;
}

template <typename T>
void Module<T>::zero_grad() {
  for (const auto& p : parameters()) p.clear_grad();
}

template <typename T>
void Module<T>::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

template <typename T>
void Module<T>::print(std::ostream& out, int indent) const {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  out << describe();
  if (params_.empty() && children_.empty()) return;
  out << " {\n";
  for (const auto& [name, p] : params_) out << pad << "  " << name << ": " << shape_str(p.shape()) << "\n";
  for (const auto& [name, child] : children_) {
    out << pad << "  " << name << ": ";
    child->print(out, indent + 2);
    out << "\n";
  }
  out << pad << "}";
}

template <typename T>
std::ostream& operator<<(std::ostream& out, const Module<T>& m) {
  m.print(out);
  return out;
}

template class Module<float>;
template class Module<double>;
template std::ostream& operator<< <float>(std::ostream&, const Module<float>&);
template std::ostream& operator<< <double>(std::ostream&, const Module<double>&);

}  // namespace minidl
