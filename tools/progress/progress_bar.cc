#include "tools/progress/progress_bar.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lifeline::tools {

ProgressBar::ProgressBar(std::ostream& out, bool enabled)
    : out_(out), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

std::string ProgressBar::Thousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

void ProgressBar::Update(const std::string& stage, int64_t done, int64_t total,
                         const std::string& detail) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool complete = done >= total;
  if (drawn_ && stage == last_stage_ && !complete &&
      now - last_draw_ < std::chrono::milliseconds(100)) {
    return;
  }
  if (drawn_ && stage != last_stage_) out_ << '\n';
  last_stage_ = stage;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 30;
  const double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  const double seconds = std::chrono::duration<double>(now - start_).count();
  out_ << absl::StrFormat("\r%-8s [%s] %3d%%  %s/%s  %.1f s", stage, bar,
                          static_cast<int>(fraction * 100), Thousands(done), Thousands(total),
                          seconds);
  if (!detail.empty()) out_ << "  " << detail;
  out_ << std::flush;
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_) out_ << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace lifeline::tools
