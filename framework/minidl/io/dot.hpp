#pragma once
// Graph export: the recorded computational graph as Graphviz DOT text, to see what backward() will
// walk through (render with `dot -Tpng graph.dot -o graph.png`).

#include <string>

#include "minidl/core/variable.hpp"

namespace minidl {

/// The graph that produced `output` as a DOT digraph. Variables are ellipses labelled
/// "name\n(shape) dtype" (leaves that require grad are filled), ops are boxes labelled with the op
/// name; edges run input -> op -> result. A multi-output op is one box with an edge, labelled with
/// the output's position, to each of its live outputs. Node ids (v0, f0, ...) are assigned in breadth-first order
/// from the output, so the same graph always gives the same text. Export before backward() (or
/// backward with retain_graph): backward frees the graph, leaving only the output and its op,
/// marked "(graph freed)".
template <typename T>
std::string to_dot(const Variable<T>& output);

/// Writes to_dot(output) to `path` atomically (io/atomic_file.hpp: a crash leaves the old file or
/// the whole new one). Throws FileError (a std::runtime_error) naming the step and the OS reason if
/// the file cannot be written.
template <typename T>
void write_dot(const Variable<T>& output, const std::string& path);

}  // namespace minidl
