// Working-day arithmetic for response deadlines. Saturdays and Sundays are not working days;
// public holidays are not modelled yet.
#pragma once

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace lifeline::referral {

// Returns true for Monday to Friday.
bool IsWorkingDay(absl::CivilDay day);

// Returns the day `days` working days after `start` (counting starts the next day; `days` <= 0
// returns `start`). Friday + 1 is Monday; Saturday + 1 is Monday.
absl::CivilDay AddWorkingDays(absl::CivilDay start, int days);

// The zone whose calendar dates deadlines are in (China Standard Time, UTC+8, no DST).
absl::TimeZone DeadlineTimeZone();

// Returns the calendar day of `time` in DeadlineTimeZone().
absl::CivilDay LocalDay(absl::Time time);

}  // namespace lifeline::referral
