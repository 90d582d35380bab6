#pragma once
// PlotReporter: the loss curve and the task's metric curves of the run as a picture (train/plot.hpp).

#include <string>

#include "minidl/train/reporter.hpp"

namespace minidl {

/// Draws its panels when the run ends (completed, interrupted or diverged): every step's loss, then
/// per epoch the task's "_acc" metrics on an accuracy panel (train / validation / test, those that
/// were measured) and its "_ppl" metrics on a perplexity panel. The file is
/// `stem`.png (gnuplot) or `stem`.svg, drawn aside and renamed into place, so it is never half
/// written.
class PlotReporter : public TrainReporter {
 public:
  /// `prefer_svg`: SVG even when gnuplot is installed.
  explicit PlotReporter(std::string stem, bool prefer_svg = false);

  void on_fit_end(const TrainHistory& history, FitEnd how) override;

  /// Draws `history` now and returns the path written. Throws std::runtime_error if nothing could
  /// be written.
  std::string draw(const TrainHistory& history);
  /// The last file drawn (empty before the first).
  const std::string& path() const { return path_; }

 private:
  std::string stem_;
  bool prefer_svg_;
  std::string path_;
};

}  // namespace minidl
