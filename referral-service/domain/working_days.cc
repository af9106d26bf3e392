#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

bool IsWorkingDay(absl::CivilDay day) {
  absl::Weekday weekday = absl::GetWeekday(day);
  return weekday != absl::Weekday::saturday && weekday != absl::Weekday::sunday;
}

absl::CivilDay AddWorkingDays(absl::CivilDay start, int days) {
  absl::CivilDay day = start;
  while (days > 0) {
    day += 1;
    if (IsWorkingDay(day)) --days;
  }
  return day;
}

absl::TimeZone DeadlineTimeZone() { return absl::FixedTimeZone(8 * 60 * 60); }

absl::CivilDay LocalDay(absl::Time time) { return absl::ToCivilDay(time, DeadlineTimeZone()); }

}  // namespace lifeline::referral
