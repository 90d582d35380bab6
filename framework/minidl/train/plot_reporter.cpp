#include "minidl/train/plot_reporter.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "minidl/io/atomic_file.hpp"
#include "minidl/train/plot.hpp"

namespace minidl {

PlotReporter::PlotReporter(std::string stem, bool prefer_svg) : stem_(std::move(stem)), prefer_svg_(prefer_svg) {}

std::string PlotReporter::draw(const TrainHistory& h) {
  PlotSeries loss{"mini-batch loss", {}, {}};
  for (std::size_t i = 0; i < h.loss.size(); ++i) {
    loss.x.push_back(static_cast<double>(i + 1));
    loss.y.push_back(h.loss[i]);
  }
  PlotSeries train{"train", {}, {}}, val{"validation", {}, {}}, test{"test", {}, {}};
  for (const auto& e : h.epochs) {
    const auto add = [&](PlotSeries& s, double acc) {
      if (std::isnan(acc)) return;
      s.x.push_back(static_cast<double>(e.epoch));
      s.y.push_back(acc);
    };
    add(train, e.train_acc);
    add(val, e.val_acc);
    add(test, e.test_acc);
  }
  std::vector<PlotPanel> panels{{"Training loss", "step", "loss", {loss}}};
  std::vector<PlotSeries> acc;
  for (PlotSeries* s : {&train, &val, &test})
    if (!s->x.empty()) acc.push_back(*s);
  if (!acc.empty()) panels.push_back({"Accuracy", "epoch", "accuracy", acc});
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
