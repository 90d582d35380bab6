#include "minidl/train/checkpoint_reporter.hpp"

#include <stdexcept>

namespace minidl {

CheckpointReporter::CheckpointReporter(SaveFn save, std::string dir, KeepPolicy keep)
    : save_(std::move(save)), dir_(std::move(dir)), keep_(keep) {
  if (!save_) throw std::invalid_argument("CheckpointReporter: no save function");
}

void CheckpointReporter::on_epoch_end(const EpochStats& stats, const TrainHistory& history) {
  save_(last_path());
  // The best epoch is recomputed from the history, so a resumed run keeps choosing the same way.
  if (keep_ == KeepPolicy::best && history.best() == &history.epochs.back() &&
      history.epochs.back().epoch == stats.epoch)
    save_(best_path());
}

void CheckpointReporter::on_fit_end(const TrainHistory&, FitEnd how) {
  // A completed run saved at its last epoch's end; an interrupted one is mid-epoch (or between
  // epochs) and must save where it stands.
  if (how == FitEnd::interrupted) save_(last_path());
}

}  // namespace minidl
