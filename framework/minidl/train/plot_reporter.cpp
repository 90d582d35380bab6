#include "minidl/train/plot_reporter.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "minidl/io/atomic_file.hpp"
#include "minidl/train/plot.hpp"

namespace minidl {

namespace {

// A metric's prefix as a legend entry: "val" -> "validation"; others as they are ("train", "test").
std::string series_label(const std::string& prefix) { return prefix == "val" ? "validation" : prefix; }

}  // namespace

PlotReporter::PlotReporter(std::string stem, bool prefer_svg) : stem_(std::move(stem)), prefer_svg_(prefer_svg) {}

std::string PlotReporter::draw(const TrainHistory& h) {
  PlotSeries loss{"mini-batch loss", {}, {}};
  for (std::size_t i = 0; i < h.loss.size(); ++i) {
    loss.x.push_back(static_cast<double>(i + 1));
    loss.y.push_back(h.loss[i]);
  }
  std::vector<PlotPanel> panels{{"Training loss", "step", "loss", {loss}}};
  // One panel per kind of metric the task measured: accuracies together, perplexities together.
  const std::vector<std::string> names = h.metric_names();
  for (const auto& [kind, title, axis] : {std::tuple{MetricKind::accuracy, "Accuracy", "accuracy"},
                                          std::tuple{MetricKind::perplexity, "Perplexity", "perplexity"}}) {
    std::vector<PlotSeries> series;
    for (const auto& name : names) {
      const auto [name_kind, prefix] = split_metric_name(name);
      if (name_kind != kind) continue;
      PlotSeries s{series_label(prefix), {}, {}};
      for (const auto& e : h.epochs) {
        const double v = e.metric(name);
        if (std::isnan(v)) continue;
        s.x.push_back(static_cast<double>(e.epoch));
        s.y.push_back(v);
      }
      if (!s.x.empty()) series.push_back(std::move(s));
    }
    if (!series.empty()) panels.push_back({title, "epoch", axis, std::move(series)});
  }
  const std::string drawn = write_plot(stem_ + ".tmp", panels, prefer_svg_);
  const std::string ext = drawn.substr(drawn.find_last_of('.'));
  path_ = stem_ + ext;
  // Copied into place atomically (gnuplot wrote the file aside), so the plot is never half drawn.
  write_file_atomically(path_, read_whole_file(drawn));
  std::remove(drawn.c_str());
  return path_;
}

void PlotReporter::on_fit_end(const TrainHistory& history, FitEnd) {
  if (!history.loss.empty()) draw(history);
}

}  // namespace minidl
