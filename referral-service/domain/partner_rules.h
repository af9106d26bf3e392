// Validation of partner directory entries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// Returns true for a lower_snake code: starts with a letter, then letters, digits and single
// underscores, at most 64 characters, no trailing underscore.
bool IsDepartmentCode(std::string_view code);

// The channel's label in metrics, logs and change descriptions: "grpc", "webhook", "polling".
std::string_view ChannelName(DeliveryChannel channel);

// Checks a directory entry. Errors: InvalidArgument naming the field (department not lower_snake,
// empty display_name, no inbox_target for the gRPC channel or https:// webhook_url for the
// webhook channel, an agreement's days out of range).
absl::Status ValidatePartner(const Partner& partner);

// What changed between two versions of an entry, field by field in a fixed order
// ("display_name 'A' -> 'B'; respond_within_days 5 -> 2"); every set field of `after` when
// `before` is null (created), "removed" when `after` is null; empty when nothing changed.
std::string DescribeChange(const std::optional<Partner>& before,
                           const std::optional<Partner>& after);

// Checks that `department` may leave the directory, given its referrals counted per state.
// Errors: FailedPrecondition while any of them is not final.
absl::Status CheckPartnerRemovable(std::string_view department,
                                   const std::vector<ReferralCount>& counts);

}  // namespace lifeline::referral
