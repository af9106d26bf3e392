// Working-day arithmetic for deadlines, on the calendar China's public offices keep: Monday to
// Friday, less the public holidays, plus the weekend days made working days to bridge them (调休),
// as the State Council's General Office publishes them each year (a table in config, by year).
// A year the table lacks is counted Monday to Friday (the service warns at start-up).
#pragma once

#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace lifeline::referral {

// One year's arrangement: every day off that is a holiday (weekend days inside a holiday period
// may be listed too) and every Saturday or Sunday that is a working day.
struct CalendarYear {
  int year = 0;
  std::vector<absl::CivilDay> holidays;
  std::vector<absl::CivilDay> working_weekends;
};

// Immutable once made; thread-safe.
class WorkingCalendar {
 public:
  // Monday to Friday every year (no table).
  WorkingCalendar() = default;

  // A calendar with the arrangements of `years`. Errors: InvalidArgument when a year appears
  // twice, a day lies outside its year, a working weekend day is not a Saturday or Sunday, or a
  // day is both a holiday and a working day.
  static absl::StatusOr<WorkingCalendar> Create(const std::vector<CalendarYear>& years);

  // True for a working day: Monday to Friday unless a holiday, or a working weekend day.
  bool IsWorkingDay(absl::CivilDay day) const;

  // The day `days` working days after `start` (counting starts the next day; `days` <= 0 returns
  // `start`): Friday + 1 is the next working Monday; the day before a holiday + 1 is the first
  // working day after it.
  absl::CivilDay AddWorkingDays(absl::CivilDay start, int days) const;

  // Whether the table has `year`'s arrangement.
  bool Covers(int year) const { return years_.contains(year); }
  // The years from `from` to `to` (inclusive) the table lacks.
  std::vector<int> MissingYears(int from, int to) const;

 private:
  std::set<int> years_;
  std::set<absl::CivilDay> holidays_;
  std::set<absl::CivilDay> working_weekends_;
};

// The zone whose calendar dates deadlines are in (China Standard Time, UTC+8, no DST).
absl::TimeZone DeadlineTimeZone();

// Returns the calendar day of `time` in DeadlineTimeZone().
absl::CivilDay LocalDay(absl::Time time);

}  // namespace lifeline::referral
