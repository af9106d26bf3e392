#include "referral-service/domain/deadlines.h"

#include <vector>

#include <gtest/gtest.h>

#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {
namespace {

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

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 3, 1, 9, 0, 0), absl::UTCTimeZone());

TEST(DeadlinesTest, AgreementDefaultsFillUnsetFields) {
  Partner partner;
  partner.respond_within_days = 2;
  partner.complete_within_days = 20;
  const Agreement agreement = AgreementOf(partner);
  EXPECT_EQ(agreement.accept_days, 2);
  EXPECT_EQ(agreement.progress_days, kDefaultProgressDays);
  EXPECT_EQ(agreement.complete_days, 20);
  EXPECT_EQ(agreement.reroute_after_days, kDefaultRerouteAfterDays);
}

// Accept within 2, first progress within 10, completion within 30 working days of Thursday 12
// February 2026: the holiday week does not count and the two worked Saturdays do.
TEST(DeadlinesTest, StageDeadlinesCountWorkingDaysAcrossTheSpringFestival) {
  const WorkingCalendar calendar = SpringFestival2026();
  const StageDeadlines deadlines =
      DeadlinesFor(Agreement{2, 10, 30, 5}, absl::CivilDay(2026, 2, 12), calendar);
  EXPECT_EQ(deadlines.accept, absl::CivilDay(2026, 2, 14));   // the worked Saturday
  EXPECT_EQ(deadlines.progress, absl::CivilDay(2026, 3, 4));  // 13, 14, 24-28, 2, 3, 4 March
  EXPECT_EQ(deadlines.complete, absl::CivilDay(2026, 4, 1));  // 20 more working days
  // Monday to Friday alone would have said 16 February, 26 February and 26 March.
  const StageDeadlines weekdays =
      DeadlinesFor(Agreement{2, 10, 30, 5}, absl::CivilDay(2026, 2, 12), WorkingCalendar());
  EXPECT_EQ(weekdays.accept, absl::CivilDay(2026, 2, 16));
  EXPECT_EQ(weekdays.progress, absl::CivilDay(2026, 2, 26));
  EXPECT_EQ(weekdays.complete, absl::CivilDay(2026, 3, 26));
}

TEST(DeadlinesTest, EachLiveStateHasOneStage) {
  EXPECT_EQ(StageOf(ReferralState::kRequested), DeadlineStage::kAccept);
  EXPECT_EQ(StageOf(ReferralState::kAccepted), DeadlineStage::kProgress);
  EXPECT_EQ(StageOf(ReferralState::kInProgress), DeadlineStage::kComplete);
  EXPECT_EQ(StageOf(ReferralState::kOnHold), DeadlineStage::kComplete);
  for (ReferralState state : AllStates()) {
    EXPECT_EQ(StageOf(state) == DeadlineStage::kUnspecified, IsFinal(state)) << StateName(state);
    EXPECT_EQ(FirstCheckDay(state, StageDeadlines{}).has_value(), !IsFinal(state));
  }
}

EscalationSubject Requested(const StageDeadlines& deadlines) {
  EscalationSubject subject;
  subject.referral_id = "ref_1";
  subject.department = "legal_aid";
  subject.state = ReferralState::kRequested;
  subject.deadlines = deadlines;
  subject.escalation = Escalation{DeadlineStage::kAccept, 0};
  subject.reviewer = "pro-1";
  subject.reroute_after_days = 2;
  return subject;
}

// The scan's rule, day by day with a fake "today": nothing on the deadline day, escalated the day
// after, re-routing proposed once the grace of working days has passed too, then never again in
// that stage.
TEST(DeadlinesTest, EscalatesAfterTheDeadlineAndProposesReroutingAfterTheGrace) {
  const WorkingCalendar calendar = SpringFestival2026();
  // Accept due Friday 13 February; two working days of grace: Saturday 14 (worked) and Tuesday
  // 24 (after the holiday).
  EscalationSubject subject =
      Requested(DeadlinesFor(Agreement{1, 10, 30, 2}, absl::CivilDay(2026, 2, 12), calendar));
  ASSERT_EQ(subject.deadlines.accept, absl::CivilDay(2026, 2, 13));

  EscalationDecision on_time =
      DecideEscalation(subject, absl::CivilDay(2026, 2, 13), kNow, calendar);
  EXPECT_TRUE(on_time.events.empty());
  EXPECT_EQ(on_time.escalation.level, 0);
  EXPECT_EQ(on_time.next_check, absl::CivilDay(2026, 2, 14));

  EscalationDecision late = DecideEscalation(subject, absl::CivilDay(2026, 2, 14), kNow, calendar);
  ASSERT_EQ(late.events.size(), 1u);
  const ReferralEvent& escalated = late.events[0];
  EXPECT_EQ(escalated.kind, ReferralEventKind::kEscalated);
  EXPECT_EQ(escalated.stage, DeadlineStage::kAccept);
  EXPECT_EQ(escalated.from_state, ReferralState::kRequested);
  EXPECT_EQ(escalated.to_state, ReferralState::kRequested);
  EXPECT_EQ(escalated.actor, "referral-service");
  EXPECT_EQ(escalated.note, "accept deadline 2026-02-13 passed; escalated to pro-1");
  EXPECT_EQ(escalated.time, kNow);
  EXPECT_EQ(late.escalation.level, 1);
  // The grace ends on Tuesday 24 February: looked at again on the 25th, not during the holiday.
  EXPECT_EQ(late.next_check, absl::CivilDay(2026, 2, 25));

  subject.escalation = late.escalation;
  EXPECT_TRUE(
      DecideEscalation(subject, absl::CivilDay(2026, 2, 24), kNow, calendar).events.empty());
  EscalationDecision stuck = DecideEscalation(subject, absl::CivilDay(2026, 2, 25), kNow, calendar);
  ASSERT_EQ(stuck.events.size(), 1u);
  EXPECT_EQ(stuck.events[0].kind, ReferralEventKind::kRerouteProposed);
  EXPECT_EQ(stuck.escalation.level, 2);
  EXPECT_FALSE(stuck.next_check.has_value());

  subject.escalation = stuck.escalation;
  EXPECT_TRUE(
      DecideEscalation(subject, absl::CivilDay(2026, 3, 30), kNow, calendar).events.empty());
}

// A scan that comes late (the service was down) catches up with both steps at once.
TEST(DeadlinesTest, ALateScanEscalatesAndProposesInOneGo) {
  const WorkingCalendar calendar;
  EscalationSubject subject =
      Requested(DeadlinesFor(Agreement{1, 10, 30, 2}, absl::CivilDay(2026, 11, 2), calendar));
  EscalationDecision decision =
      DecideEscalation(subject, absl::CivilDay(2026, 11, 20), kNow, calendar);
  ASSERT_EQ(decision.events.size(), 2u);
  EXPECT_EQ(decision.events[0].kind, ReferralEventKind::kEscalated);
  EXPECT_EQ(decision.events[1].kind, ReferralEventKind::kRerouteProposed);
  EXPECT_EQ(decision.escalation.level, 2);
}

// A referral that moved on starts its new stage on time; a final one is never looked at again.
TEST(DeadlinesTest, ANewStageStartsOnTimeAndAFinalReferralIsLeftAlone) {
  const WorkingCalendar calendar;
  EscalationSubject subject =
      Requested(DeadlinesFor(Agreement{1, 3, 30, 2}, absl::CivilDay(2026, 11, 2), calendar));
  subject.escalation = Escalation{DeadlineStage::kAccept, 2};
  subject.state = ReferralState::kAccepted;  // accepted late: progress is due 5 November
  EscalationDecision progress =
      DecideEscalation(subject, absl::CivilDay(2026, 11, 5), kNow, calendar);
  EXPECT_TRUE(progress.events.empty());
  EXPECT_EQ(progress.escalation.stage, DeadlineStage::kProgress);
  EXPECT_EQ(progress.escalation.level, 0);
  EXPECT_EQ(progress.next_check, absl::CivilDay(2026, 11, 6));
  EscalationDecision late = DecideEscalation(subject, absl::CivilDay(2026, 11, 6), kNow, calendar);
  ASSERT_EQ(late.events.size(), 1u);
  EXPECT_EQ(late.events[0].stage, DeadlineStage::kProgress);
  EXPECT_EQ(late.events[0].note.substr(0, 8), "progress");

  subject.state = ReferralState::kCompleted;
  EscalationDecision final_state =
      DecideEscalation(subject, absl::CivilDay(2027, 1, 1), kNow, calendar);
  EXPECT_TRUE(final_state.events.empty());
  EXPECT_FALSE(final_state.next_check.has_value());
}

// DecideTransition resets escalation for a new stage and keeps it across hold and resume.
TEST(DeadlinesTest, TransitionsMoveTheNextCheck) {
  Referral referral;
  referral.referral_id = "ref_1";
  referral.department = "legal_aid";
  referral.state = ReferralState::kRequested;
  referral.deadlines = {absl::CivilDay(2026, 11, 3), absl::CivilDay(2026, 11, 10),
                        absl::CivilDay(2026, 11, 30)};
  referral.escalation = {DeadlineStage::kAccept, 1};
  referral.next_check = absl::CivilDay(2026, 11, 8);
  absl::StatusOr<ReferralTransition> accepted =
      DecideTransition(referral, {}, ReferralState::kAccepted, "", "desk", kNow, "legal_aid");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->escalation.stage, DeadlineStage::kProgress);
  EXPECT_EQ(accepted->escalation.level, 0);
  EXPECT_EQ(accepted->next_check, absl::CivilDay(2026, 11, 11));

  referral.state = ReferralState::kInProgress;
  referral.escalation = {DeadlineStage::kComplete, 1};
  referral.next_check = absl::CivilDay(2026, 12, 8);
  absl::StatusOr<ReferralTransition> held =
      DecideTransition(referral, {}, ReferralState::kOnHold, "", "desk", kNow, "legal_aid");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->escalation.level, 1);
  EXPECT_EQ(held->next_check, absl::CivilDay(2026, 12, 8));

  absl::StatusOr<ReferralTransition> done =
      DecideTransition(referral, {}, ReferralState::kCompleted, "", "desk", kNow, "legal_aid",
                       ReferralOutcome::kProvided);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_FALSE(done->next_check.has_value());
}

}  // namespace
}  // namespace lifeline::referral
