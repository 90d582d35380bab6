#include "minidl/train/plot.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace minidl {
namespace {

// gnuplot and SVG both choke on names with quotes or angle brackets; keep labels plain.
std::string plain(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '"' || c == '\'' || c == '<' || c == '>' || c == '&') ? ' ' : c;
  return out;
}

bool write_gnuplot_png(const std::string& path, const std::vector<PlotPanel>& panels) {
  const std::string script_path = path + ".gp";
  {
    std::ofstream gp(script_path);
    if (!gp) return false;
    gp << "set terminal pngcairo size " << 600 * panels.size() << ",450 font 'sans,10'\n";
    gp << "set output '" << plain(path) << "'\n";
    gp << "set datafile separator ','\nset grid\nset key top right\n";
    gp << "set multiplot layout 1," << panels.size() << "\n";
    for (std::size_t p = 0; p < panels.size(); ++p) {
      const PlotPanel& panel = panels[p];
      for (std::size_t s = 0; s < panel.series.size(); ++s) {
        gp << "$d" << p << "_" << s << " << EOD\n";
        const PlotSeries& ser = panel.series[s];
        for (std::size_t i = 0; i < ser.x.size() && i < ser.y.size(); ++i) gp << ser.x[i] << "," << ser.y[i] << "\n";
        gp << "EOD\n";
      }
      gp << "set title '" << plain(panel.title) << "'\nset xlabel '" << plain(panel.x_label) << "'\nset ylabel '"
         << plain(panel.y_label) << "'\n";
      gp << "plot ";
      for (std::size_t s = 0; s < panel.series.size(); ++s) {
        gp << (s ? ", " : "") << "$d" << p << "_" << s << " using 1:2 with lines lw 2 title '"
           << plain(panel.series[s].name) << "'";
      }
      if (panel.series.empty()) gp << "NaN notitle";
      gp << "\n";
    }
    gp << "unset multiplot\n";
  }
  const std::string cmd = "gnuplot '" + plain(script_path) + "' > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  std::remove(script_path.c_str());
  return rc == 0 && ::access(path.c_str(), R_OK) == 0;
}

}  // namespace

bool gnuplot_available() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

void write_svg_plot(const std::string& path, const std::vector<PlotPanel>& panels) {
  constexpr double kW = 600, kH = 450, kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  errno = 0;
  std::ofstream svg(path);
  if (!svg)
    throw std::runtime_error("write_svg_plot: cannot write '" + path + "': " +
                             (errno ? std::strerror(errno) : "unknown reason"));
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kW * static_cast<double>(panels.size()) << "' height='"
      << kH << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const PlotPanel& panel = panels[p];
    const double ox = kW * static_cast<double>(p);
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (const auto& s : panel.series) {
      for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
        if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
        xmin = std::min(xmin, s.x[i]);
        xmax = std::max(xmax, s.x[i]);
        ymin = std::min(ymin, s.y[i]);
        ymax = std::max(ymax, s.y[i]);
      }
    }
    if (!(xmin < xmax)) { xmin = std::isfinite(xmin) ? xmin - 1 : 0; xmax = xmin + 2; }
    if (!(ymin < ymax)) { ymin = std::isfinite(ymin) ? ymin - 1 : 0; ymax = ymin + 2; }
    const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
    auto sx = [&](double x) { return ox + kLeft + (x - xmin) / (xmax - xmin) * pw; };
    auto sy = [&](double y) { return kTop + (1 - (y - ymin) / (ymax - ymin)) * ph; };
    svg << "<text x='" << ox + kW / 2 << "' y='22' text-anchor='middle' font-size='14'>" << plain(panel.title)
        << "</text>\n";
    svg << "<rect x='" << ox + kLeft << "' y='" << kTop << "' width='" << pw << "' height='" << ph
        << "' fill='none' stroke='#444'/>\n";
    for (int t = 0; t <= 4; ++t) {  // five ticks per axis with grid lines
      const double fy = ymin + (ymax - ymin) * t / 4, fx = xmin + (xmax - xmin) * t / 4;
      svg << "<line x1='" << ox + kLeft << "' x2='" << ox + kLeft + pw << "' y1='" << sy(fy) << "' y2='" << sy(fy)
          << "' stroke='#ddd'/>\n<text x='" << ox + kLeft - 6 << "' y='" << sy(fy) + 4
          << "' text-anchor='end'>" << fy << "</text>\n";
      svg << "<text x='" << sx(fx) << "' y='" << kTop + ph + 16 << "' text-anchor='middle'>" << fx << "</text>\n";
    }
    svg << "<text x='" << ox + kLeft + pw / 2 << "' y='" << kH - 10 << "' text-anchor='middle'>"
        << plain(panel.x_label) << "</text>\n";
    svg << "<text transform='translate(" << ox + 16 << "," << kTop + ph / 2 << ") rotate(-90)' text-anchor='middle'>"
        << plain(panel.y_label) << "</text>\n";
    for (std::size_t s = 0; s < panel.series.size(); ++s) {
      const auto& ser = panel.series[s];
      const char* color = kColors[s % 6];
      svg << "<polyline fill='none' stroke='" << color << "' stroke-width='2' points='";
      for (std::size_t i = 0; i < ser.x.size() && i < ser.y.size(); ++i) {
        if (std::isfinite(ser.x[i]) && std::isfinite(ser.y[i])) svg << sx(ser.x[i]) << "," << sy(ser.y[i]) << " ";
      }
      svg << "'/>\n<text x='" << ox + kLeft + pw - 8 << "' y='" << kTop + 16 + 16 * static_cast<double>(s)
          << "' text-anchor='end' fill='" << color << "'>" << plain(ser.name) << "</text>\n";
    }
  }
  svg << "</svg>\n";
  svg.flush();
  if (!svg)
    throw std::runtime_error("write_svg_plot: failed writing '" + path + "': " +
                             (errno ? std::strerror(errno) : "unknown reason"));
}

std::string write_plot(const std::string& stem, const std::vector<PlotPanel>& panels, bool prefer_svg) {
  if (!prefer_svg && gnuplot_available()) {
    const std::string png = stem + ".png";
    if (write_gnuplot_png(png, panels)) return png;
  }
  const std::string svg = stem + ".svg";
  write_svg_plot(svg, panels);
  return svg;
}

}  // namespace minidl
