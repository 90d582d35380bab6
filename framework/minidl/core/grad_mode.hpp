#pragma once
// Grad mode: whether ops record graph nodes. A thread-local flag, so one thread evaluating a model
// under NoGradGuard does not stop another from training.

namespace minidl {

/// True when ops record nodes for backward() (the default).
bool grad_enabled();

/// Turns recording on or off for the calling thread. Prefer the RAII guards below.
void set_grad_enabled(bool enabled);

/// Sets grad mode for the lifetime of the guard, then restores the previous mode.
class GradModeGuard {
 public:
  /// Enters grad mode `enabled` until this guard is destroyed.
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

/// Disables graph recording in a scope: evaluation, parameter updates, inference.
class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};

}  // namespace minidl
