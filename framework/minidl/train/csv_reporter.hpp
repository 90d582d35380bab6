#pragma once
// CsvReporter: the run's numbers as two CSV files.
//
//   metrics.csv  epoch,step,lr,train_loss,<the task's metrics>,elapsed_s
//   steps.csv    step,epoch,loss,lr
//
// The task's metrics are its TrainingTask::evaluate names in order: for a classifier
// train_acc[,val_acc],test_loss,test_acc (val_acc when the run has a validation split); for a
// language model perplexities (val_ppl, ...). Numbers are written in their shortest form
// that reads back as the same double; a quantity that was not measured is an empty field. Both
// files are rewritten whole from the history after every epoch and when the run ends, each
// atomically (io/atomic_file.hpp): an interrupted or killed run never leaves half a row, and a
// resumed run's files cover the whole run.

#include <string>

#include "minidl/train/reporter.hpp"

namespace minidl {

/// Writes metrics.csv and steps.csv (either path may be empty to skip that file).
class CsvReporter : public TrainReporter {
 public:
  CsvReporter(std::string metrics_path, std::string steps_path);

  void on_epoch_end(const EpochStats& stats, const TrainHistory& history) override;
  void on_fit_end(const TrainHistory& history, FitEnd how) override;

  /// Writes both files from `history` now. Throws std::runtime_error with the OS reason.
  void write(const TrainHistory& history) const;

 private:
  std::string metrics_path_, steps_path_;
};

/// The metrics.csv text of `history` (header included).
std::string metrics_csv(const TrainHistory& history);
/// The steps.csv text of `history` (header included).
std::string steps_csv(const TrainHistory& history);

}  // namespace minidl
