#pragma once
// What a training run measured: every step's loss and learning rate and one summary per epoch. The
// Trainer fills it, reporters read it, and a resumable checkpoint carries it (as JSON) so a resumed
// run's CSV files and plots cover the whole run.

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "minidl/train/task.hpp"

namespace minidl {

/// One epoch's summary.
struct EpochStats {
  std::size_t epoch = 0;        ///< 1-based
  std::size_t step = 0;         ///< steps done at the end of the epoch
  double lr = 0;                ///< learning rate of the epoch's last step
  double loss = 0;              ///< mean mini-batch training loss over the epoch
  std::vector<Metric> metrics;  ///< the task's measurements (TrainingTask::evaluate), in column order
  double epoch_seconds = 0;     ///< training time of this epoch (without evaluation)
  double elapsed_seconds = 0;   ///< since the run started (over all resumed parts), evaluation included

  /// The value of metric `name` (e.g. "test_acc"), or NaN when the epoch did not measure it.
  double metric(const std::string& name) const;
};

/// Everything a run measured so far.
struct TrainHistory {
  std::vector<double> loss;         ///< every step's mini-batch loss
  std::vector<double> lr;           ///< every step's learning rate
  std::vector<EpochStats> epochs;   ///< one entry per completed epoch
  Selection selection;              ///< how best() chooses (the Trainer sets its task's; not saved)
  double seconds = 0;               ///< wall time of the run (over all resumed parts)
  bool interrupted = false;         ///< fit() stopped early on request (Trainer::request_stop)

  /// Steps done.
  std::size_t steps() const { return loss.size(); }
  /// The metric names over all epochs, in order of first appearance: metrics.csv's columns.
  std::vector<std::string> metric_names() const;
  /// The best epoch by `selection` (the first of equals), or nullptr when no epoch measured its
  /// metric or the selection is empty. Only the selection's metric (a validation one for the book's
  /// tasks) takes part: the test set never chooses.
  const EpochStats* best() const;
};

/// The history as JSON (numbers round-trip exactly; NaN becomes null; an epoch's metrics are an
/// array of [name, value] pairs, in order), and back. from_json also reads the layout written before
/// metrics were named by the task (train_acc, val_acc, test_loss, test_acc as fields of the epoch),
/// so older runs resume. It throws std::invalid_argument naming the field that is missing or of the
/// wrong type. The selection is not part of the JSON.
nlohmann::json history_to_json(const TrainHistory& history);
TrainHistory history_from_json(const nlohmann::json& json);

}  // namespace minidl
