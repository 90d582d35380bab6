#pragma once
// PlotReporter: the loss and accuracy curves of the run as a picture (train/plot.hpp).

#include <string>

#include "minidl/train/reporter.hpp"

namespace minidl {

/// Draws two panels when the run ends (completed, interrupted or diverged): every step's loss, and
/// train / validation / test accuracy per epoch (the series that were measured). The file is
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
