// A one-line progress bar for long runs, redrawn in place on a terminal stream (stderr).
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace lifeline::tools {

class ProgressBar {
 public:
  // Draws nothing when `enabled` is false.
  ProgressBar(std::ostream& out, bool enabled);

  // Redraws "stage [=====>    ]  45%  450,000/1,000,000  3.2 s", followed by `detail` when it
  // is not empty, at most ten times a second (and always when done == total).
  void Update(const std::string& stage, int64_t done, int64_t total,
              const std::string& detail = "");
  // Ends the line.
  void Finish();

  // Formats 1234567 as "1,234,567".
  static std::string Thousands(int64_t n);

 private:
  std::ostream& out_;
  bool enabled_;
  bool drawn_ = false;
  std::string last_stage_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace lifeline::tools
