#include "referral-service/domain/working_days.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lifeline::referral {
namespace {

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday;
}

std::string DayText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace

absl::StatusOr<WorkingCalendar> WorkingCalendar::Create(const std::vector<CalendarYear>& years) {
  WorkingCalendar calendar;
  for (const CalendarYear& year : years) {
    if (!calendar.years_.insert(year.year).second) {
      return absl::InvalidArgumentError(absl::StrCat("year ", year.year, " appears twice"));
    }
    for (absl::CivilDay day : year.holidays) {
      if (day.year() != year.year) {
        return absl::InvalidArgumentError(
            absl::StrCat("year ", year.year, ": holiday ", DayText(day), " is in another year"));
      }
      calendar.holidays_.insert(day);
    }
    for (absl::CivilDay day : year.working_weekends) {
      if (day.year() != year.year) {
        return absl::InvalidArgumentError(absl::StrCat("year ", year.year, ": working weekend day ",
                                                       DayText(day), " is in another year"));
      }
      if (!IsWeekend(day)) {
        return absl::InvalidArgumentError(absl::StrCat("year ", year.year, ": working weekend day ",
                                                       DayText(day),
                                                       " is not a Saturday or Sunday"));
      }
      if (calendar.holidays_.contains(day)) {
        return absl::InvalidArgumentError(absl::StrCat("year ", year.year, ": ", DayText(day),
                                                       " is both a holiday and a working day"));
      }
      calendar.working_weekends_.insert(day);
    }
  }
  return calendar;
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (working_weekends_.contains(day)) return true;
  if (holidays_.contains(day)) return false;
  return !IsWeekend(day);
}

absl::CivilDay WorkingCalendar::AddWorkingDays(absl::CivilDay start, int days) const {
  absl::CivilDay day = start;
  while (days > 0) {
    day += 1;
    if (IsWorkingDay(day)) --days;
  }
  return day;
}

std::vector<int> WorkingCalendar::MissingYears(int from, int to) const {
  std::vector<int> missing;
  for (int year = from; year <= to; ++year) {
    if (!Covers(year)) missing.push_back(year);
  }
  return missing;
}

absl::TimeZone DeadlineTimeZone() { return absl::FixedTimeZone(8 * 60 * 60); }

absl::CivilDay LocalDay(absl::Time time) { return absl::ToCivilDay(time, DeadlineTimeZone()); }

}  // namespace lifeline::referral
