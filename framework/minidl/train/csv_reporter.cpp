#include "minidl/train/csv_reporter.hpp"

#include <charconv>
#include <cmath>

#include "minidl/io/atomic_file.hpp"

namespace minidl {

namespace {

// Shortest text that reads back as the same double (std::to_chars' guarantee); empty for NaN.
void put(std::string& out, double x) {
  if (std::isnan(x)) return;
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

void put(std::string& out, std::size_t n) { out += std::to_string(n); }

}  // namespace

std::string metrics_csv(const TrainHistory& h) {
  const std::vector<std::string> names = h.metric_names();
  std::string out = "epoch,step,lr,train_loss,";
  for (const auto& name : names) out += name + ',';
  out += "elapsed_s\n";
  for (const auto& e : h.epochs) {
    put(out, e.epoch), out += ',';
    put(out, e.step), out += ',';
    put(out, e.lr), out += ',';
    put(out, e.loss), out += ',';
    for (const auto& name : names) put(out, e.metric(name)), out += ',';
    put(out, e.elapsed_seconds), out += '\n';
  }
  return out;
}

std::string steps_csv(const TrainHistory& h) {
  std::string out = "step,epoch,loss,lr\n";
  out.reserve(out.size() + 40 * h.steps());
  // Steps of epoch e end at history.epochs[e-1].step; steps after the last finished epoch belong to
  // the one in progress.
  std::size_t epoch = 1, e = 0;
  for (std::size_t i = 0; i < h.steps(); ++i) {
    while (e < h.epochs.size() && i >= h.epochs[e].step) ++e, ++epoch;
    put(out, i + 1), out += ',';
    put(out, epoch), out += ',';
    put(out, h.loss[i]), out += ',';
    put(out, h.lr[i]), out += '\n';
  }
  return out;
}

CsvReporter::CsvReporter(std::string metrics_path, std::string steps_path)
    : metrics_path_(std::move(metrics_path)), steps_path_(std::move(steps_path)) {}

void CsvReporter::write(const TrainHistory& history) const {
  if (!metrics_path_.empty()) write_file_atomically(metrics_path_, metrics_csv(history));
  if (!steps_path_.empty()) write_file_atomically(steps_path_, steps_csv(history));
}

void CsvReporter::on_epoch_end(const EpochStats&, const TrainHistory& history) { write(history); }

void CsvReporter::on_fit_end(const TrainHistory& history, FitEnd) { write(history); }

}  // namespace minidl
