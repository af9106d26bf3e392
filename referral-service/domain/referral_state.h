// The referral state machine (after FHIR Task):
//
//   REQUESTED   -> ACCEPTED | REJECTED | CANCELLED
//   ACCEPTED    -> IN_PROGRESS | ON_HOLD | COMPLETED | FAILED | CANCELLED
//   IN_PROGRESS -> ON_HOLD | COMPLETED | FAILED | CANCELLED
//   ON_HOLD     -> IN_PROGRESS | FAILED | CANCELLED
//   REJECTED, COMPLETED, FAILED, CANCELLED are final.
//
// Moving to REJECTED, FAILED or CANCELLED requires a note (the reason or outcome).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// Returns true for REJECTED, COMPLETED, FAILED and CANCELLED.
bool IsFinal(ReferralState state);

// Returns true when the machine allows `from` -> `to`.
bool CanTransition(ReferralState from, ReferralState to);

// Who moves a referral: the department it was sent to (a person of it, or its own system), the
// procuratorate (procurators, chief procurators, admins), or this suite's services acting for no
// person (an inbox relay, a repair).
enum class ActorKind { kDepartment, kProcuratorate, kSystem };

// Whether an actor of `kind` may move a referral to `to` (CanTransition says whether the move
// exists at all): the department does the work (accept, reject, start, hold, complete, fail);
// the procuratorate only cancels (and re-routes with AddReferral, a new referral); the system may
// relay either.
bool ActorMay(ActorKind kind, ReferralState to);

// Returns true when moving to `to` needs a note.
bool NoteRequired(ReferralState to);

// Checks a requested change. Errors: InvalidArgument when `to` is not a real state or a required
// note is missing; FailedPrecondition when the machine does not allow `from` -> `to`.
absl::Status ValidateTransition(ReferralState from, ReferralState to, std::string_view note);

// Returns true when a plan with these referral states is closed: every referral is final. A plan
// without referrals is closed.
bool IsPlanClosed(const std::vector<ReferralState>& states);

// What an allowed move of a referral writes: its event (sequence 0 until stored) and whether the
// plan closes with it.
struct ReferralTransition {
  ReferralEvent event;
  bool closes_plan = false;
  // The referral's escalation after the move and the next day the escalation scan looks at it
  // (nullopt: never, it is final): a new stage starts on time; ON_HOLD <-> IN_PROGRESS keeps both.
  Escalation escalation;
  std::optional<absl::CivilDay> next_check;
};

// Decides moving `current` to `to` at `now` by `actor` acting for `actor_department` (empty for
// the procuratorate and the system); `sibling_states` are the states of the plan's other
// referrals. Errors: PermissionDenied when `actor_department` is set and is not the referral's;
// those of ValidateTransition.
absl::StatusOr<ReferralTransition> DecideTransition(
    const Referral& current, const std::vector<ReferralState>& sibling_states, ReferralState to,
    std::string_view note, std::string_view actor, absl::Time now,
    std::string_view actor_department = "",
    ReferralOutcome outcome = ReferralOutcome::kUnspecified);

// Returns the upper-case name without prefix, e.g. "IN_PROGRESS".
std::string_view StateName(ReferralState state);

// Parses a name produced by StateName; nullopt for anything else.
std::optional<ReferralState> StateFromName(std::string_view name);

// Every real state (not kUnspecified), in enum order.
const std::vector<ReferralState>& AllStates();

}  // namespace lifeline::referral
