#pragma once
// CheckpointReporter: decides WHEN and UNDER WHICH NAME a run saves itself; the caller's save
// function decides how (usually io/checkpoint.hpp's save_checkpoint with the Trainer's state()).

#include <functional>
#include <string>

#include "minidl/train/reporter.hpp"

namespace minidl {

/// Which checkpoints a run keeps.
enum class KeepPolicy {
  last,  ///< `dir`/model.ckpt: the latest state (after every epoch and when interrupted)
  best   ///< model.ckpt as for last, plus `dir`/best.ckpt: the best epoch so far by the task's
         ///< selection metric (TrainHistory::best: for a classifier the highest validation
         ///< accuracy, for a language model the lowest validation perplexity; never the test set)
};

/// Saves `dir`/model.ckpt after every epoch and when the run is interrupted (so it can resume), and
/// with KeepPolicy::best also `dir`/best.ckpt whenever an epoch beats every earlier one on the
/// task's selection metric. Nothing is saved when the run diverges: the last good checkpoint stays.
class CheckpointReporter : public TrainReporter {
 public:
  /// Writes one checkpoint file at the given path (atomically, or the guarantee above is lost).
  using SaveFn = std::function<void(const std::string& path)>;

  /// Throws std::invalid_argument for an empty save function.
  CheckpointReporter(SaveFn save, std::string dir, KeepPolicy keep = KeepPolicy::last);

  void on_epoch_end(const EpochStats& stats, const TrainHistory& history) override;
  void on_fit_end(const TrainHistory& history, FitEnd how) override;

  /// `dir`/model.ckpt.
  std::string last_path() const { return dir_ + "/model.ckpt"; }
  /// `dir`/best.ckpt.
  std::string best_path() const { return dir_ + "/best.ckpt"; }

 private:
  SaveFn save_;
  std::string dir_;
  KeepPolicy keep_;
};

}  // namespace minidl
