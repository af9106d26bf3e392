#include "referral-service/domain/working_days.h"

#include <gtest/gtest.h>

#include "referral-service/domain/sla.h"

namespace lifeline::referral {
namespace {

TEST(WorkingDaysTest, SkipsTheWeekend) {
  // 2026-11-26 is a Thursday.
  absl::CivilDay thursday(2026, 11, 26);
  ASSERT_EQ(absl::GetWeekday(thursday), absl::Weekday::thursday);
  EXPECT_EQ(AddWorkingDays(thursday, 1), absl::CivilDay(2026, 11, 27));  // Friday
  EXPECT_EQ(AddWorkingDays(thursday, 2), absl::CivilDay(2026, 11, 30));  // Monday
  EXPECT_EQ(AddWorkingDays(thursday, 5), absl::CivilDay(2026, 12, 3));   // next Thursday
}

TEST(WorkingDaysTest, StartingOnAWeekend) {
  absl::CivilDay saturday(2026, 11, 28);
  EXPECT_EQ(AddWorkingDays(saturday, 1), absl::CivilDay(2026, 11, 30));
  EXPECT_EQ(AddWorkingDays(saturday, 5), absl::CivilDay(2026, 12, 4));
  EXPECT_EQ(AddWorkingDays(saturday, 0), saturday);
}

TEST(WorkingDaysTest, LocalDayIsChinaStandardTime) {
  // 17:30 UTC on the 26th is already the 27th in Beijing.
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 17, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(LocalDay(t), absl::CivilDay(2026, 11, 27));
}

TEST(SlaTest, OverdueOnlyWhenStillRequestedAfterTheDeadline) {
  absl::CivilDay due(2026, 12, 3);
  EXPECT_FALSE(IsOverdue(ReferralState::kRequested, due, due));
  EXPECT_TRUE(IsOverdue(ReferralState::kRequested, due, due + 1));
  EXPECT_FALSE(IsOverdue(ReferralState::kAccepted, due, due + 10));
  EXPECT_FALSE(IsOverdue(ReferralState::kRejected, due, due + 10));
}

}  // namespace
}  // namespace lifeline::referral
