#include "common/time/dates.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace lifeline::common {
namespace {

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` ASCII digits starting at `pos`; the caller has checked they are digits.
int DigitsAt(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field) {
  // The value itself is not echoed: a date may be a birth date, which is personal data.
  const absl::string_view field_name(field.data(), field.size());
  constexpr std::string_view kShape = "YYYY-MM-DD";
  bool well_formed = text.size() == kShape.size();
  for (size_t i = 0; well_formed && i < text.size(); ++i) {
    well_formed = kShape[i] == '-' ? text[i] == '-' : IsAsciiDigit(text[i]);
  }
  if (!well_formed) {
    return absl::InvalidArgumentError(absl::StrCat(field_name, ": expected a date as YYYY-MM-DD"));
  }
  const int year = DigitsAt(text, 0, 4);
  const int month = DigitsAt(text, 5, 2);
  const int day = DigitsAt(text, 8, 2);
  const absl::CivilDay civil(year, month, day);
  // CivilDay normalizes out-of-range fields (2023-02-29 becomes 2023-03-01); a real date survives
  // unchanged.
  if (year < 1 || civil.year() != year || civil.month() != month || civil.day() != day) {
    return absl::InvalidArgumentError(absl::StrCat(field_name, ": not a real calendar date"));
  }
  return civil;
}

std::string FormatDate(absl::CivilDay day) {
  // absl::FormatCivilTime drops a year's leading zeros ("219-07-09"); YYYY-MM-DD keeps four.
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string FormatRfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", time, absl::UTCTimeZone());
}

Clock* Clock::Real() {
  static RealClock* const clock = new RealClock();
  return clock;
}

}  // namespace lifeline::common
