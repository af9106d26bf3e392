#include "referral-service/domain/deadlines.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

#include "common/time/dates.h"
#include "referral-service/domain/delivery_policy.h"

namespace lifeline::referral {
namespace {

int OrDefault(int days, int fallback) { return days > 0 ? days : fallback; }

// An event about `subject`'s current stage, by the service.
ReferralEvent StageEvent(const EscalationSubject& subject, ReferralEventKind kind,
                         DeadlineStage stage, std::string note, absl::Time now) {
  ReferralEvent event;
  event.referral_id = subject.referral_id;
  event.kind = kind;
  event.stage = stage;
  event.from_state = subject.state;
  event.to_state = subject.state;
  event.actor = kSystemActor;
  event.note = std::move(note);
  event.time = now;
  return event;
}

std::string Reviewer(const EscalationSubject& subject) {
  return subject.reviewer.empty() ? std::string("the reviewing procurator") : subject.reviewer;
}

}  // namespace

Agreement AgreementOf(const Partner& partner) {
  Agreement agreement{OrDefault(partner.respond_within_days, kDefaultAcceptDays),
                      OrDefault(partner.progress_within_days, kDefaultProgressDays),
                      OrDefault(partner.complete_within_days, kDefaultCompleteDays),
                      OrDefault(partner.reroute_after_days, kDefaultRerouteAfterDays)};
  // A default never falls before the stage before it (15 days to accept, progress unset).
  agreement.progress_days = std::max(agreement.progress_days, agreement.accept_days);
  agreement.complete_days = std::max(agreement.complete_days, agreement.progress_days);
  return agreement;
}

StageDeadlines DeadlinesFor(const Agreement& agreement, absl::CivilDay start,
                            const WorkingCalendar& calendar) {
  return StageDeadlines{calendar.AddWorkingDays(start, agreement.accept_days),
                        calendar.AddWorkingDays(start, agreement.progress_days),
                        calendar.AddWorkingDays(start, agreement.complete_days)};
}

DeadlineStage StageOf(ReferralState state) {
  switch (state) {
    case ReferralState::kRequested:
      return DeadlineStage::kAccept;
    case ReferralState::kAccepted:
      return DeadlineStage::kProgress;
    case ReferralState::kInProgress:
    case ReferralState::kOnHold:
      return DeadlineStage::kComplete;
    default:
      return DeadlineStage::kUnspecified;
  }
}

absl::CivilDay DeadlineOf(const StageDeadlines& deadlines, DeadlineStage stage) {
  switch (stage) {
    case DeadlineStage::kAccept:
      return deadlines.accept;
    case DeadlineStage::kProgress:
      return deadlines.progress;
    default:
      return deadlines.complete;
  }
}

std::string_view StageName(DeadlineStage stage) {
  switch (stage) {
    case DeadlineStage::kAccept:
      return "accept";
    case DeadlineStage::kProgress:
      return "progress";
    case DeadlineStage::kComplete:
      return "complete";
    default:
      return "none";
  }
}

std::optional<absl::CivilDay> FirstCheckDay(ReferralState state, const StageDeadlines& deadlines) {
  const DeadlineStage stage = StageOf(state);
  if (stage == DeadlineStage::kUnspecified) return std::nullopt;
  return DeadlineOf(deadlines, stage) + 1;
}

EscalationDecision DecideEscalation(const EscalationSubject& subject, absl::CivilDay today,
                                    absl::Time now, const WorkingCalendar& calendar) {
  EscalationDecision decision;
  const DeadlineStage stage = StageOf(subject.state);
  if (stage == DeadlineStage::kUnspecified) {
    decision.escalation = subject.escalation;
    return decision;
  }
  int level = subject.escalation.stage == stage ? subject.escalation.level : 0;
  const absl::CivilDay due = DeadlineOf(subject.deadlines, stage);
  const absl::CivilDay second = calendar.AddWorkingDays(due, subject.reroute_after_days);
  const std::string name(StageName(stage));
  if (level == 0 && today > due) {
    decision.events.push_back(StageEvent(subject, ReferralEventKind::kEscalated, stage,
                                         absl::StrCat(name, " deadline ", common::FormatDate(due),
                                                      " passed; escalated to ", Reviewer(subject)),
                                         now));
    level = 1;
  }
  if (level == 1 && today > second) {
    decision.events.push_back(
        StageEvent(subject, ReferralEventKind::kRerouteProposed, stage,
                   absl::StrCat(name, " still not done ", subject.reroute_after_days,
                                " working days after its deadline ", common::FormatDate(due),
                                "; re-routing to another office proposed to ", Reviewer(subject)),
                   now));
    level = 2;
  }
  decision.escalation = Escalation{stage, level};
  if (level == 0) {
    decision.next_check = due + 1;
  } else if (level == 1) {
    decision.next_check = second + 1;
  }
  return decision;
}

}  // namespace lifeline::referral
