#include "referral-service/domain/referral_state.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "referral-service/domain/deadlines.h"

namespace lifeline::referral {

bool IsFinal(ReferralState state) {
  switch (state) {
    case ReferralState::kRejected:
    case ReferralState::kCompleted:
    case ReferralState::kFailed:
    case ReferralState::kCancelled:
      return true;
    default:
      return false;
  }
}

bool CanTransition(ReferralState from, ReferralState to) {
  using S = ReferralState;
  switch (from) {
    case S::kRequested:
      return to == S::kAccepted || to == S::kRejected || to == S::kCancelled;
    case S::kAccepted:
      return to == S::kInProgress || to == S::kOnHold || to == S::kCompleted || to == S::kFailed ||
             to == S::kCancelled;
    case S::kInProgress:
      return to == S::kOnHold || to == S::kCompleted || to == S::kFailed || to == S::kCancelled;
    case S::kOnHold:
      return to == S::kInProgress || to == S::kFailed || to == S::kCancelled;
    default:
      return false;
  }
}

bool ActorMay(ActorKind kind, ReferralState to) {
  switch (kind) {
    case ActorKind::kDepartment:
      return to == ReferralState::kAccepted || to == ReferralState::kRejected ||
             to == ReferralState::kInProgress || to == ReferralState::kOnHold ||
             to == ReferralState::kCompleted || to == ReferralState::kFailed;
    case ActorKind::kProcuratorate:
      return to == ReferralState::kCancelled;
    case ActorKind::kSystem:
      return true;
  }
  return false;
}

bool NoteRequired(ReferralState to) {
  return to == ReferralState::kRejected || to == ReferralState::kFailed ||
         to == ReferralState::kCancelled;
}

absl::Status ValidateTransition(ReferralState from, ReferralState to, std::string_view note) {
  if (to == ReferralState::kUnspecified || StateName(to).empty()) {
    return absl::InvalidArgumentError("to_state: a target state is required");
  }
  if (NoteRequired(to) && absl::StripAsciiWhitespace(std::string(note)).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("note: required when moving a referral to ", std::string(StateName(to))));
  }
  if (!CanTransition(from, to)) {
    return absl::FailedPreconditionError(
        absl::StrCat("to_state: a referral in state ", std::string(StateName(from)),
                     " cannot move to ", std::string(StateName(to))));
  }
  return absl::OkStatus();
}

bool IsPlanClosed(const std::vector<ReferralState>& states) {
  return std::all_of(states.begin(), states.end(), IsFinal);
}

absl::StatusOr<ReferralTransition> DecideTransition(
    const Referral& current, const std::vector<ReferralState>& sibling_states, ReferralState to,
    std::string_view note, std::string_view actor, absl::Time now,
    std::string_view actor_department, ReferralOutcome outcome) {
  // What a completion achieved is part of it, and only of it.
  if (to == ReferralState::kCompleted && outcome == ReferralOutcome::kUnspecified) {
    return absl::InvalidArgumentError("outcome: required when completing a referral");
  }
  if (to != ReferralState::kCompleted && outcome != ReferralOutcome::kUnspecified) {
    return absl::InvalidArgumentError("outcome: only a completed referral has one");
  }
  // A department's people move only their own department's referrals.
  if (!actor_department.empty() && actor_department != current.department) {
    return absl::PermissionDeniedError("referral_id: the referral belongs to another department");
  }
  if (absl::Status valid = ValidateTransition(current.state, to, note); !valid.ok()) return valid;
  ReferralTransition transition;
  transition.event.referral_id = current.referral_id;
  transition.event.from_state = current.state;
  transition.event.to_state = to;
  transition.event.note = std::string(note);
  transition.event.actor = std::string(actor);
  transition.event.actor_department = std::string(actor_department);
  transition.event.outcome = outcome;
  transition.event.time = now;
  std::vector<ReferralState> after = sibling_states;
  after.push_back(to);
  transition.closes_plan = IsPlanClosed(after);
  // Holding or resuming stays in the completion stage, escalated as it was; any other move starts
  // the new stage on time, looked at again the day after its deadline.
  if (StageOf(to) == StageOf(current.state)) {
    transition.escalation = current.escalation;
    transition.next_check = current.next_check;
  } else {
    transition.escalation = Escalation{StageOf(to), 0};
    transition.next_check = FirstCheckDay(to, current.deadlines);
  }
  return transition;
}

std::string_view StateName(ReferralState state) {
  switch (state) {
    case ReferralState::kUnspecified:
      return "UNSPECIFIED";
    case ReferralState::kRequested:
      return "REQUESTED";
    case ReferralState::kAccepted:
      return "ACCEPTED";
    case ReferralState::kRejected:
      return "REJECTED";
    case ReferralState::kInProgress:
      return "IN_PROGRESS";
    case ReferralState::kOnHold:
      return "ON_HOLD";
    case ReferralState::kCompleted:
      return "COMPLETED";
    case ReferralState::kFailed:
      return "FAILED";
    case ReferralState::kCancelled:
      return "CANCELLED";
  }
  return "";
}

std::optional<ReferralState> StateFromName(std::string_view name) {
  for (ReferralState state : AllStates()) {
    if (StateName(state) == name) return state;
  }
  return std::nullopt;
}

const std::vector<ReferralState>& AllStates() {
  static const std::vector<ReferralState> kStates = {
      ReferralState::kRequested,  ReferralState::kAccepted,  ReferralState::kRejected,
      ReferralState::kInProgress, ReferralState::kOnHold,    ReferralState::kCompleted,
      ReferralState::kFailed,     ReferralState::kCancelled,
  };
  return kStates;
}

}  // namespace lifeline::referral
