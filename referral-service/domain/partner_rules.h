// Validation of partner directory entries.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"

#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// Returns true for a lower_snake code: starts with a letter, then letters, digits and single
// underscores, at most 64 characters, no trailing underscore.
bool IsDepartmentCode(std::string_view code);

// Checks a directory entry. Errors: InvalidArgument naming the field (department not lower_snake,
// empty display_name or inbox_target, respond_within_days outside 1..60).
absl::Status ValidatePartner(const Partner& partner);

// Checks that `department` may leave the directory, given its referrals counted per state.
// Errors: FailedPrecondition while any of them is not final.
absl::Status CheckPartnerRemovable(std::string_view department,
                                   const std::vector<ReferralCount>& counts);

}  // namespace lifeline::referral
