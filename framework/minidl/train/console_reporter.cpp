#include "minidl/train/console_reporter.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

namespace minidl {

namespace {

// "val_acc" -> "val acc", as the epoch line writes it.
std::string label(std::string name) {
  for (char& c : name)
    if (c == '_') c = ' ';
  return name;
}

}  // namespace

ConsoleReporter::ConsoleReporter() : log_(std::cout), progress_(nullptr) {}

ConsoleReporter::ConsoleReporter(std::ostream& log, std::ostream& progress) : log_(log), progress_(&progress) {}

void ConsoleReporter::on_fit_start(const FitPlan& plan, const TrainHistory&) {
  epochs_ = plan.epochs;
  batch_size_ = plan.batch_size;
}

void ConsoleReporter::on_epoch_start(std::size_t epoch, std::size_t epoch_steps, std::size_t steps_done) {
  const std::string label = "epoch " + std::to_string(epoch) + "/" + std::to_string(epochs_);
  // A bar over the steps still to run, so a resumed epoch's rate and ETA are its own.
  const std::size_t steps = epoch_steps - steps_done;
  bar_ = progress_ ? std::make_unique<ProgressBar>(steps, label, batch_size_, *progress_, false)
                   : std::make_unique<ProgressBar>(steps, label, batch_size_);
  steps_done_ = steps_done;
}

void ConsoleReporter::on_step(const StepEvent& step) {
  if (bar_) bar_->update(step.step_in_epoch - steps_done_, step.loss);
}

void ConsoleReporter::on_epoch_end(const EpochStats& s, const TrainHistory&) {
  if (bar_) bar_->finish();
  bar_.reset();
  std::ostringstream line;  // formatted aside, so the caller's stream flags stay as they were
  line << std::fixed << std::setprecision(4) << "epoch " << s.epoch << ": loss " << s.loss << std::setprecision(2);
  for (const Metric& m : s.metrics) {
    const MetricKind kind = split_metric_name(m.name).first;
    if (std::isnan(m.value) || kind == MetricKind::loss) continue;  // losses are in metrics.csv
    line << "  " << label(m.name) << " ";
    if (kind == MetricKind::accuracy)
      line << 100 * m.value << "%";
    else
      line << m.value;
  }
  line << "  (" << std::setprecision(1) << s.elapsed_seconds << " s)";
  log_ << line.str() << std::endl;
}

void ConsoleReporter::on_fit_end(const TrainHistory&, FitEnd) {
  if (bar_) bar_->finish();
  bar_.reset();
}

}  // namespace minidl
