// The attention heat map: one cell per (output, input) pair, brightness = weight, labelled axes.

#include <catch2/catch.hpp>

#include <stdexcept>

#include "minidl/viz/attention_map.hpp"

using namespace minidl;

TEST_CASE("attention_heatmap draws each weight as a grey cell from black (0) to white (1)", "[viz][seq2seq]") {
  Tensor<float> w = zeros_tensor<float>({2, 3});
  w(0, 0) = 1.0f, w(0, 1) = 0.5f, w(1, 2) = 0.25f;
  const std::size_t cell = 10;
  const Image img = viz::attention_heatmap(w, {"a", "b", " "}, {"1", "22"}, cell);
  REQUIRE(img.channels == 3);
  // The cells are the bottom-right block: cols*cell wide and rows*cell high, 6 px from the edges.
  const std::size_t left = img.width - 6 - 3 * cell, top = img.height - 6 - 2 * cell;
  const auto grey = [&](std::size_t r, std::size_t c) { return img.at(left + c * cell + 5, top + r * cell + 5, 0); };
  CHECK(grey(0, 0) == 255);
  CHECK(grey(0, 1) == 128);
  CHECK(grey(0, 2) == 0);
  CHECK(grey(1, 2) == 64);
  CHECK(grey(1, 0) == 0);
  // Some label ink (black) above the cells and to their left.
  bool ink_top = false, ink_left = false;
  for (std::size_t x = left; x < left + 3 * cell; ++x)
    for (std::size_t y = 0; y < top; ++y) ink_top = ink_top || img.at(x, y, 0) == 0;
  for (std::size_t x = 0; x < left; ++x)
    for (std::size_t y = top; y < top + 2 * cell; ++y) ink_left = ink_left || img.at(x, y, 0) == 0;
  CHECK(ink_top);
  CHECK(ink_left);
}

TEST_CASE("attention_heatmap rejects label counts that do not match the weights", "[viz][seq2seq]") {
  const Tensor<float> w = zeros_tensor<float>({2, 3});
  CHECK_THROWS_AS(viz::attention_heatmap(w, {"a", "b"}, {"1", "2"}), std::invalid_argument);
  CHECK_THROWS_AS(viz::attention_heatmap(w, {"a", "b", "c"}, {"1"}), std::invalid_argument);
  CHECK_THROWS_AS(viz::attention_heatmap(zeros_tensor<float>({3}), {"a", "b", "c"}, {}), std::invalid_argument);
  CHECK_THROWS_AS(viz::attention_heatmap(w, {"a", "b", "c"}, {"1", "2"}, 4), std::invalid_argument);
}
