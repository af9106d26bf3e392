// Response deadlines of referrals.
#pragma once

#include "absl/time/civil_time.h"

#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// Returns true when a referral in `state` due `respond_by` is overdue on `today`: the department
// has neither accepted nor rejected it and the deadline day has passed.
inline bool IsOverdue(ReferralState state, absl::CivilDay respond_by, absl::CivilDay today) {
  return state == ReferralState::kRequested && today > respond_by;
}

}  // namespace lifeline::referral
