#pragma once
// A one-line progress bar for training loops: steps done, a running loss, throughput and ETA.
// On a terminal it redraws in place; in a log file (CI) it prints a few plain lines instead.

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>

namespace minidl {

/// Progress of one epoch (or any counted loop).
class ProgressBar {
 public:
  /// `total` steps of `samples_per_step` samples each; `label` prefixes the line ("epoch 3/20").
  /// Writes to `out` (std::cerr by default); redraws in place only when `out` is a terminal.
  ProgressBar(std::size_t total, std::string label, std::size_t samples_per_step = 1);
  /// Same, writing to a given stream; `interactive` chooses in-place redraws.
  ProgressBar(std::size_t total, std::string label, std::size_t samples_per_step, std::ostream& out, bool interactive);

  /// Marks `step` (1-based) done with the current loss; redraws at most every 100 ms.
  void update(std::size_t step, double loss);
  /// Draws the final state and ends the line.
  void finish();
  /// Samples per second since construction.
  double samples_per_second() const;
  /// Seconds since construction.
  double elapsed_seconds() const;

 private:
  void draw(bool final);

  std::size_t total_, samples_per_step_, step_ = 0;
  std::string label_;
  std::ostream& out_;
  bool interactive_;
  double loss_ = 0, loss_avg_ = 0;
  std::size_t next_plain_report_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace minidl
