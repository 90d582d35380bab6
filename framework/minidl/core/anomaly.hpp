#pragma once
// Anomaly detection, like PyTorch's detect_anomaly: while a DetectAnomalyGuard is alive, the first
// op on this thread that produces a NaN or infinity throws std::domain_error naming the op, its
// input shapes and the named variables (parameters) its inputs were computed from; in backward, the
// first op whose gradient becomes non-finite is named the same way.
//
//   minidl::DetectAnomalyGuard anomaly;   // this thread, until the end of the scope
//   trainer.fit(...);                      // "anomaly: forward op 'log' produced NaN at (3,7) ..."
//
// Cost: every op output (and, in backward, every gradient) is scanned once, so a step runs
// measurably slower: a debugging tool. Without a guard nothing is scanned (see core/op_observer.hpp).

#include <memory>

#include "minidl/core/op_observer.hpp"

namespace minidl {

/// Turns anomaly detection on for the calling thread for the guard's lifetime, then restores the
/// previous observer. Guards nest. Errors are std::domain_error, e.g.
///   "anomaly: forward op 'log' produced NaN at (0,1) (output (2,3)); inputs: (2,3);
///    parameters on its path: fc1.W, fc1.b"
///   "anomaly: backward of 'sqrt' gave a gradient containing inf at (0,0) for input 0 (2,3) from a
///    finite upstream gradient; forward inputs: (2,3); parameters on its path: x"
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  class Detector;
  std::unique_ptr<Detector> detector_;
  OpObserverScope scope_;
};

/// True while a DetectAnomalyGuard is alive on the calling thread.
bool anomaly_detection_enabled();

}  // namespace minidl
