#pragma once
// What a training run measured: every step's loss and learning rate and one summary per epoch. The
// Trainer fills it, reporters read it, and a resumable checkpoint carries it (as JSON) so a resumed
// run's CSV files and plots cover the whole run.

#include <cstddef>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace minidl {

/// One epoch's summary. Quantities that were not measured are NaN.
struct EpochStats {
  std::size_t epoch = 0;       ///< 1-based
  std::size_t step = 0;        ///< steps done at the end of the epoch
  double lr = 0;               ///< learning rate of the epoch's last step
  double loss = 0;             ///< mean mini-batch training loss over the epoch
  double train_acc = 0;        ///< accuracy on (the first N items of) the training set, in [0, 1]
  double val_acc = 0;          ///< accuracy on the validation split, in [0, 1]
  double test_loss = 0;        ///< mean cross-entropy on the test set
  double test_acc = 0;         ///< accuracy on the test set, in [0, 1]
  double epoch_seconds = 0;    ///< training time of this epoch (without evaluation)
  double elapsed_seconds = 0;  ///< since the run started (over all resumed parts), evaluation included
};

/// Everything a run measured so far.
struct TrainHistory {
  std::vector<double> loss;         ///< every step's mini-batch loss
  std::vector<double> lr;           ///< every step's learning rate
  std::vector<EpochStats> epochs;   ///< one entry per completed epoch
  double seconds = 0;               ///< wall time of the run (over all resumed parts)
  bool interrupted = false;         ///< fit() stopped early on request (Trainer::request_stop)

  /// Steps done.
  std::size_t steps() const { return loss.size(); }
  /// Whether any epoch has a validation accuracy.
  bool has_validation() const;
  /// The epoch with the highest validation accuracy (the first of equals), or nullptr when no epoch
  /// has one. The test set never takes part in this choice.
  const EpochStats* best_by_validation() const;
};

/// The history as JSON (numbers round-trip exactly; NaN becomes null), and back. from_json throws
/// std::invalid_argument naming the field that is missing or of the wrong type.
nlohmann::json history_to_json(const TrainHistory& history);
TrainHistory history_from_json(const nlohmann::json& json);

}  // namespace minidl
