#include "minidl/io/dot.hpp"

#include <deque>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "minidl/io/atomic_file.hpp"

namespace minidl {
namespace {

// DOT double-quoted strings: escape quotes and backslashes; newlines become DOT's "\n".
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

template <typename T>
std::string to_dot(const Variable<T>& output) {
  if (!output.defined()) throw std::invalid_argument("to_dot: undefined Variable");
  std::ostringstream s;
  s << "digraph minidl {\n"
    << "  rankdir=LR;\n"
    << "  node [fontname=\"Helvetica\", fontsize=10];\n";

  // Breadth-first from the output; iterative so a 100,000-node chain is fine. Ids follow
  // discovery order, never pointer values, so the text is deterministic.
  std::unordered_map<const Node<T>*, std::size_t> ids;
  std::deque<Variable<T>> queue;
  auto id_of = [&](const Variable<T>& v) {
    auto [it, inserted] = ids.emplace(v.node().get(), ids.size());
    if (inserted) queue.push_back(v);
    return it->second;
  };
  id_of(output);
  std::ostringstream edges;
  std::unordered_map<const void*, std::size_t> group_ids;  // multi-output op -> id of its box
  while (!queue.empty()) {
    const Variable<T> v = queue.front();
    queue.pop_front();
    const std::size_t id = ids.at(v.node().get());

    std::string label = v.name().empty() ? "" : v.name() + "\n";
    label += shape_str(v.shape()) + " " + dtype_name<T>();
    s << "  v" << id << " [shape=ellipse, label=" << quoted(label);
    if (v.is_leaf() && v.requires_grad()) s << ", style=filled, fillcolor=\"#ffd28a\"";
    if (id == 0) s << ", penwidth=2";
    s << "];\n";

    if (!v.op()) continue;
    // A multi-output op is one box with an edge to each of its outputs (all live ones are drawn,
    // labelled with their position); the box and its input edges are drawn once.
    const auto& group = v.node()->group;
    std::string fid = "f" + std::to_string(id);
    if (group) {
      auto [git, first_seen] = group_ids.emplace(group.get(), id);
      fid = "f" + std::to_string(git->second);
      edges << "  " << fid << " -> v" << id << " [label=\"" << v.node()->output_index << "\"];\n";
      if (!first_seen) continue;
      for (const auto& weak : group->outputs) {
        if (auto sibling = weak.lock()) id_of(Variable<T>(sibling));
      }
    } else {
      edges << "  " << fid << " -> v" << id << ";\n";
    }
    // A freed op (backward ran without retain_graph) no longer knows its inputs: say so.
    const bool freed = v.node()->graph_freed;
    s << "  " << fid << " [shape=box, style=" << (freed ? "\"filled,dashed\"" : "filled")
      << ", fillcolor=\"#b8d8f0\", label=" << quoted(freed ? std::string(v.op()) + "\n(graph freed)" : v.op())
      << "];\n";
    for (const auto& in : v.inputs()) {
      if (!in.defined()) continue;
      edges << "  v" << id_of(in) << " -> " << fid << ";\n";
    }
  }
  s << edges.str() << "}\n";
  return s.str();
}

template <typename T>
void write_dot(const Variable<T>& output, const std::string& path) {
  try {
    write_file_atomically(path, to_dot(output));
  } catch (const FileError& e) {
    throw FileError(std::string("write_dot: ") + e.what());
  }
}

template std::string to_dot<float>(const Variable<float>&);
template std::string to_dot<double>(const Variable<double>&);
template void write_dot<float>(const Variable<float>&, const std::string&);
template void write_dot<double>(const Variable<double>&, const std::string&);

}  // namespace minidl
