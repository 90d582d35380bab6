#include "minidl/train/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace minidl {

ProgressBar::ProgressBar(std::size_t total, std::string label, std::size_t samples_per_step)
    : ProgressBar(total, std::move(label), samples_per_step, std::cerr, ::isatty(STDERR_FILENO) == 1) {}

ProgressBar::ProgressBar(std::size_t total, std::string label, std::size_t samples_per_step, std::ostream& out,
                         bool interactive)
    : total_(total),
      samples_per_step_(samples_per_step),
      label_(std::move(label)),
      out_(out),
      interactive_(interactive),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  next_plain_report_ = total_ / 4;
}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double ProgressBar::samples_per_second() const {
  const double t = elapsed_seconds();
  return t > 0 ? static_cast<double>(step_ * samples_per_step_) / t : 0.0;
}

void ProgressBar::update(std::size_t step, double loss) {
  step_ = step;
  loss_ = loss;
  // An exponential moving average: the raw mini-batch loss is too noisy to read.
  loss_avg_ = step <= 1 ? loss : 0.95 * loss_avg_ + 0.05 * loss;
  const auto now = std::chrono::steady_clock::now();
  if (interactive_) {
    if (now - last_draw_ >= std::chrono::milliseconds(100) || step == total_) {
      last_draw_ = now;
      draw(false);
    }
  } else if (next_plain_report_ > 0 && step >= next_plain_report_ && step < total_) {
    next_plain_report_ += total_ / 4;
    draw(false);
  }
}

void ProgressBar::finish() { draw(true); }

void ProgressBar::draw(bool final) {
  constexpr int kWidth = 24;
  const double frac = total_ ? static_cast<double>(step_) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(frac * kWidth);
  std::ostringstream line;
  line << label_ << " [";
  for (int i = 0; i < kWidth; ++i) line << (i < filled ? '=' : (i == filled ? '>' : ' '));
  const double rate = samples_per_second();
  const double eta = rate > 0 ? static_cast<double>((total_ - step_) * samples_per_step_) / rate : 0.0;
  line << "] " << step_ << "/" << total_ << std::fixed << std::setprecision(4) << "  loss " << loss_avg_
       << std::setprecision(0) << "  " << rate << " samples/s";
  if (!final) line << "  eta " << std::setprecision(1) << eta << "s";
  else line << "  " << std::setprecision(1) << elapsed_seconds() << "s";
  if (interactive_) {
    out_ << "\r" << line.str() << "\033[K";
    if (final) out_ << "\n";
  } else {
    out_ << line.str() << "\n";
  }
  out_.flush();
}

}  // namespace minidl
