#pragma once
// Training curves as a picture: a PNG through gnuplot when it is installed, otherwise a
// self-contained SVG written by minidl itself (no dependency needed to see the curves).

#include <string>
#include <vector>

namespace minidl {

/// One line on a chart.
struct PlotSeries {
  std::string name;        ///< Legend entry.
  std::vector<double> x;   ///< X values.
  std::vector<double> y;   ///< Y values (same length as x).
};

/// One chart: a title, axis labels and its lines.
struct PlotPanel {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<PlotSeries> series;
};

/// Draws the panels side by side. Writes `stem`.png with gnuplot if available (and `prefer_svg` is
/// false), else `stem`.svg. Returns the path written. Throws std::runtime_error if nothing could
/// be written.
std::string write_plot(const std::string& stem, const std::vector<PlotPanel>& panels, bool prefer_svg = false);

/// Writes the panels as a standalone SVG file at `path`.
void write_svg_plot(const std::string& path, const std::vector<PlotPanel>& panels);

/// True when a gnuplot executable is on PATH.
bool gnuplot_available();

}  // namespace minidl
