// Calendar dates as "YYYY-MM-DD" strings, and the clock.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace lifeline::common {

// Parses a strict "YYYY-MM-DD" real calendar date (full-width digits are not accepted here;
// normalize first). Errors: InvalidArgument naming `field`.
absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field);

// Formats a day as "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);

// Formats a time as RFC 3339 in UTC ("2026-11-29T01:50:06Z").
std::string FormatRfc3339(absl::Time time);

// A source of the current time; tests use FakeClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // The process-wide real clock.
  static Clock* Real();
};

// A clock that only moves when told. Thread-safe: tests may advance it while background threads
// read it.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

}  // namespace lifeline::common
