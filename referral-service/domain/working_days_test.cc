#include "referral-service/domain/working_days.h"

#include <gtest/gtest.h>

#include "referral-service/domain/referral_state.h"
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
  for (ReferralState state : AllStates()) {
    if (state == ReferralState::kRequested) continue;
    EXPECT_FALSE(IsOverdue(state, due, due + 1)) << StateName(state);
  }
}

// The store's indexed pre-filter must find every referral the rule calls overdue, for every
// state and deadline around today.
TEST(SlaTest, OverdueQueryFindsEveryOverdueReferral) {
  absl::CivilDay today(2026, 12, 4);
  OverdueQuery query = OverdueQueryFor(today);
  std::vector<ReferralState> states = AllStates();
  states.push_back(ReferralState::kUnspecified);
  for (ReferralState state : states) {
    for (int offset = -5; offset <= 5; ++offset) {
      absl::CivilDay due = today + offset;
      if (!IsOverdue(state, due, today)) continue;
      EXPECT_EQ(query.state, state) << StateName(state) << " due " << due;
      EXPECT_LT(due, query.due_before) << StateName(state) << " due " << due;
    }
  }
}

TEST(SlaTest, SelectOverdueKeepsOnlyOverdueCandidatesInOrder) {
  absl::CivilDay today(2026, 12, 4);
  std::vector<OverdueCandidate> candidates = {
      {"r1", "legal_aid", ReferralState::kRequested, today - 1},
      {"r2", "legal_aid", ReferralState::kRequested, today},         // due today: not yet
      {"r3", "civil_affairs", ReferralState::kAccepted, today - 3},  // answered
      {"r4", "civil_affairs", ReferralState::kRequested, today - 9},
  };
  std::vector<std::string> ids;
  for (const OverdueCandidate& c : SelectOverdue(candidates, today)) ids.push_back(c.referral_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"r1", "r4"}));
  EXPECT_TRUE(SelectOverdue({}, today).empty());
}

}  // namespace
}  // namespace lifeline::referral
