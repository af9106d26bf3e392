#include "referral-service/domain/working_days.h"

#include <vector>

#include <gtest/gtest.h>

#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {
namespace {

TEST(WorkingDaysTest, SkipsTheWeekend) {
  const WorkingCalendar weekdays;
  // 2026-11-26 is a Thursday.
  absl::CivilDay thursday(2026, 11, 26);
  ASSERT_EQ(absl::GetWeekday(thursday), absl::Weekday::thursday);
  EXPECT_EQ(weekdays.AddWorkingDays(thursday, 1), absl::CivilDay(2026, 11, 27));  // Friday
  EXPECT_EQ(weekdays.AddWorkingDays(thursday, 2), absl::CivilDay(2026, 11, 30));  // Monday
  EXPECT_EQ(weekdays.AddWorkingDays(thursday, 5), absl::CivilDay(2026, 12, 3));   // next Thursday
}

TEST(WorkingDaysTest, StartingOnAWeekend) {
  const WorkingCalendar weekdays;
  absl::CivilDay saturday(2026, 11, 28);
  EXPECT_EQ(weekdays.AddWorkingDays(saturday, 1), absl::CivilDay(2026, 11, 30));
  EXPECT_EQ(weekdays.AddWorkingDays(saturday, 5), absl::CivilDay(2026, 12, 4));
  EXPECT_EQ(weekdays.AddWorkingDays(saturday, 0), saturday);
  EXPECT_EQ(weekdays.AddWorkingDays(saturday, -3), saturday);
}

// The 2026 Spring Festival as the State Council arranged it: 15-23 February off, Saturday the
// 14th and Saturday the 28th worked.
WorkingCalendar SpringFestival2026() {
  CalendarYear year{2026, {}, {absl::CivilDay(2026, 2, 14), absl::CivilDay(2026, 2, 28)}};
  for (absl::CivilDay day(2026, 2, 15); day <= absl::CivilDay(2026, 2, 23); ++day) {
    year.holidays.push_back(day);
  }
  absl::StatusOr<WorkingCalendar> calendar = WorkingCalendar::Create({year});
  EXPECT_TRUE(calendar.ok()) << calendar.status();
  return calendar.ok() ? *calendar : WorkingCalendar();
}

TEST(WorkingDaysTest, CountsAcrossTheSpringFestivalAndItsWorkingSaturdays) {
  const WorkingCalendar calendar = SpringFestival2026();
  const absl::CivilDay thursday(2026, 2, 12);
  EXPECT_TRUE(calendar.IsWorkingDay(absl::CivilDay(2026, 2, 14)));   // a Saturday, worked
  EXPECT_FALSE(calendar.IsWorkingDay(absl::CivilDay(2026, 2, 16)));  // a Monday, off
  EXPECT_FALSE(calendar.IsWorkingDay(absl::CivilDay(2026, 2, 21)));  // a Saturday in the holiday
  EXPECT_EQ(calendar.AddWorkingDays(thursday, 1), absl::CivilDay(2026, 2, 13));  // Friday
  EXPECT_EQ(calendar.AddWorkingDays(thursday, 2), absl::CivilDay(2026, 2, 14));  // Saturday worked
  EXPECT_EQ(calendar.AddWorkingDays(thursday, 3), absl::CivilDay(2026, 2, 24));  // after the break
  // Ten working days from the 12th: 13, 14, 24, 25, 26, 27, 28 (Saturday worked), 2, 3, 4 March.
  EXPECT_EQ(calendar.AddWorkingDays(thursday, 10), absl::CivilDay(2026, 3, 4));
  // Monday to Friday alone would have said 26 February.
  EXPECT_EQ(WorkingCalendar().AddWorkingDays(thursday, 10), absl::CivilDay(2026, 2, 26));
  // Starting inside the holiday.
  EXPECT_EQ(calendar.AddWorkingDays(absl::CivilDay(2026, 2, 18), 1), absl::CivilDay(2026, 2, 24));
}

TEST(WorkingDaysTest, AYearOutsideTheTableCountsMondayToFriday) {
  const WorkingCalendar calendar = SpringFestival2026();
  EXPECT_TRUE(calendar.Covers(2026));
  EXPECT_FALSE(calendar.Covers(2027));
  EXPECT_EQ(calendar.MissingYears(2025, 2027), (std::vector<int>{2025, 2027}));
  // 2027-02-06 is a Saturday: not worked without 2027's table.
  EXPECT_FALSE(calendar.IsWorkingDay(absl::CivilDay(2027, 2, 6)));
  EXPECT_TRUE(calendar.IsWorkingDay(absl::CivilDay(2027, 2, 8)));
  // A deadline set in late December runs on into the next year's (missing) calendar.
  EXPECT_EQ(calendar.AddWorkingDays(absl::CivilDay(2026, 12, 30), 3), absl::CivilDay(2027, 1, 4));
}

TEST(WorkingDaysTest, RefusesATableThatContradictsItself) {
  const absl::CivilDay saturday(2026, 2, 14);
  const absl::CivilDay monday(2026, 2, 16);
  EXPECT_EQ(WorkingCalendar::Create({{2026, {}, {}}, {2026, {}, {}}}).status().code(),
            absl::StatusCode::kInvalidArgument);  // a year twice
  EXPECT_EQ(WorkingCalendar::Create({{2025, {monday}, {}}}).status().code(),
            absl::StatusCode::kInvalidArgument);  // a day of another year
  EXPECT_EQ(WorkingCalendar::Create({{2026, {}, {monday}}}).status().code(),
            absl::StatusCode::kInvalidArgument);  // a "working weekend" day on a Monday
  EXPECT_EQ(WorkingCalendar::Create({{2026, {saturday}, {saturday}}}).status().code(),
            absl::StatusCode::kInvalidArgument);  // both off and worked
  EXPECT_TRUE(WorkingCalendar::Create({}).ok());
}

TEST(WorkingDaysTest, LocalDayIsChinaStandardTime) {
  // 17:30 UTC on the 26th is already the 27th in Beijing.
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 17, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(LocalDay(t), absl::CivilDay(2026, 11, 27));
}

}  // namespace
}  // namespace lifeline::referral
