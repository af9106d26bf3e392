// Stage deadlines of referrals and their escalation: each stage (accept, first progress,
// completion) is due a number of working days after the referral was made, from the department's
// agreement in the directory. A stage past its deadline is escalated to the plan's reviewing
// procurator; still stuck a grace period of working days later, re-routing to another office is
// proposed. Each step is an event in the referral's history; DecideEscalation is the one rule.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "referral-service/domain/referral.h"
#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

// Working days of a department's agreement when its directory entry leaves them unset (0).
inline constexpr int kDefaultAcceptDays = 5;
inline constexpr int kDefaultProgressDays = 10;
inline constexpr int kDefaultCompleteDays = 30;
inline constexpr int kDefaultRerouteAfterDays = 5;

// The working days a partner's agreement gives each stage, defaults filled in.
struct Agreement {
  int accept_days = kDefaultAcceptDays;
  int progress_days = kDefaultProgressDays;
  int complete_days = kDefaultCompleteDays;
  int reroute_after_days = kDefaultRerouteAfterDays;
};

// `partner`'s agreement; a field it leaves 0 takes its default.
Agreement AgreementOf(const Partner& partner);

// The stage deadlines of a referral made on `start` under `agreement`, counted on `calendar`.
StageDeadlines DeadlinesFor(const Agreement& agreement, absl::CivilDay start,
                            const WorkingCalendar& calendar);

// The stage a referral in `state` is in: REQUESTED accept, ACCEPTED progress, IN_PROGRESS and
// ON_HOLD complete; kUnspecified for a final state (nothing is due).
DeadlineStage StageOf(ReferralState state);

// The deadline of `stage` in `deadlines` (`stage` must not be kUnspecified).
absl::CivilDay DeadlineOf(const StageDeadlines& deadlines, DeadlineStage stage);

// Lower-case name for notes and metric labels: "accept", "progress", "complete".
std::string_view StageName(DeadlineStage stage);

// The first day a referral just moved to `state` must be looked at by the escalation scan: the
// day after its new stage's deadline; nullopt when it is final.
std::optional<absl::CivilDay> FirstCheckDay(ReferralState state, const StageDeadlines& deadlines);

// What the escalation scan knows of one referral.
struct EscalationSubject {
  std::string referral_id;
  std::string department;
  ReferralState state = ReferralState::kUnspecified;
  StageDeadlines deadlines;
  Escalation escalation;
  // The plan's reviewing procurator (its approver); empty when unknown.
  std::string reviewer;
  // The department's grace, in working days, between a stage's deadline and proposing re-routing.
  int reroute_after_days = kDefaultRerouteAfterDays;
};

// What the scan does with one referral.
struct EscalationDecision {
  // kEscalated and then kRerouteProposed events, as far as `today` reaches; may be empty.
  std::vector<ReferralEvent> events;
  Escalation escalation;
  // The next day the referral must be looked at (always after `today`); nullopt: not again
  // unless its state changes.
  std::optional<absl::CivilDay> next_check;
};

// Decides the escalation of `subject` on `today` (`now` dates the events): its stage's deadline
// passed and not yet escalated → escalated to the reviewer; its grace after the deadline passed
// too → re-routing proposed. A stage is escalated at most once at each level; a referral that
// moved to another stage starts again at level 0.
EscalationDecision DecideEscalation(const EscalationSubject& subject, absl::CivilDay today,
                                    absl::Time now, const WorkingCalendar& calendar);

}  // namespace lifeline::referral
