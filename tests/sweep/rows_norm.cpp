// Gradient-check rows for batch norm and dropout.
#include "sweep/sweep.hpp"

std::vector<sweep::Row> sweep::norm_rows() {
  return {};  // rows added with the ops themselves
}
