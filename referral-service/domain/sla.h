// Response deadlines of referrals: when a referral is overdue, and which referrals an overdue scan
// escalates.
#pragma once

#include <string>
#include <vector>

#include "absl/time/civil_time.h"

#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// Returns true when a referral in `state` due `respond_by` is overdue on `today`: the department
// has neither accepted nor rejected it and the deadline day has passed. The one overdue rule.
inline bool IsOverdue(ReferralState state, absl::CivilDay respond_by, absl::CivilDay today) {
  return state == ReferralState::kRequested && today > respond_by;
}

// A referral not yet escalated as overdue, as the store reads it for the overdue scan.
struct OverdueCandidate {
  std::string referral_id;
  std::string department;
  ReferralState state = ReferralState::kUnspecified;
  absl::CivilDay respond_by;
};

// The indexed pre-filter of the overdue scan on a day: referrals not yet marked overdue, in
// `state`, due before `due_before`. It finds every referral IsOverdue on that day (a test pins
// this), so the store can read candidates through an index; IsOverdue still decides.
struct OverdueQuery {
  ReferralState state = ReferralState::kUnspecified;
  absl::CivilDay due_before;
};

// Returns the pre-filter that finds every referral overdue on `today`.
OverdueQuery OverdueQueryFor(absl::CivilDay today);

// Returns the candidates that are overdue on `today` (IsOverdue), in their order.
std::vector<OverdueCandidate> SelectOverdue(const std::vector<OverdueCandidate>& candidates,
                                            absl::CivilDay today);

}  // namespace lifeline::referral
