#include "match-service/domain/review_policy.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "match-service/domain/suggested_amount.h"

namespace lifeline::match {

bool ReviewAuthority::Covers(std::string_view region_code) const {
  return regions.empty() ||
         std::any_of(regions.begin(), regions.end(), [region_code](const std::string& prefix) {
           return region_code.starts_with(prefix);
         });
}

absl::Status ReviewAuthority::CheckRegion(std::string_view region_code) const {
  if (Covers(region_code)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "the clue's region ", region_code.empty() ? std::string("(none)") : std::string(region_code),
      " is outside the caller's regions"));
}

absl::StatusOr<std::vector<std::string>> ReviewAuthority::Narrow(std::string_view requested) const {
  if (requested.empty()) return regions;
  if (Covers(requested)) return std::vector<std::string>{std::string(requested)};
  std::vector<std::string> inside;
  for (const std::string& region : regions) {
    if (region.starts_with(requested)) inside.push_back(region);
  }
  if (inside.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("region ", std::string(requested), " is outside the caller's regions"));
  }
  return inside;
}

absl::StatusOr<ClueStatus> ApplyReview(ClueStatus current, const Review& review,
                                       const ApprovalLimits& limits,
                                       const ReviewAuthority& authority) {
  if (IsDecided(current)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "clue is already ", std::string(ClueStatusName(current)), "; decisions are final"));
  }
  if (current != ClueStatus::kPendingReview && current != ClueStatus::kMoreInfoRequested) {
    return absl::FailedPreconditionError(absl::StrCat(
        "clue in state ", std::string(ClueStatusName(current)), " cannot be reviewed"));
  }
  if (absl::StripAsciiWhitespace(review.reviewer).empty()) {
    return absl::InvalidArgumentError("reviewer is required");
  }
  const bool has_reason = !absl::StripAsciiWhitespace(review.reason).empty();
  switch (review.decision) {
    case Decision::kApprove: {
      if (review.amount_fen <= 0) {
        return absl::InvalidArgumentError("amount_fen must be > 0 to approve");
      }
      if (review.amount_fen > limits.cap_fen) {
        return absl::InvalidArgumentError(absl::StrCat("amount ", YuanText(review.amount_fen),
                                                       " yuan exceeds the clue's cap ",
                                                       YuanText(limits.cap_fen), " yuan"));
      }
      std::string outside;
      if (review.amount_fen < limits.floor_fen) {
        outside = absl::StrCat("below the floor ", YuanText(limits.floor_fen), " yuan");
      } else if (review.amount_fen > limits.threshold_fen) {
        outside =
            absl::StrCat("above the approval threshold ", YuanText(limits.threshold_fen), " yuan");
      }
      if (!outside.empty()) {
        if (!has_reason) {
          return absl::InvalidArgumentError(absl::StrCat("approving ", YuanText(review.amount_fen),
                                                         " yuan, ", outside, ", needs a note"));
        }
        if (!authority.senior_sign_off) {
          return absl::PermissionDeniedError(absl::StrCat("approving ", YuanText(review.amount_fen),
                                                          " yuan, ", outside,
                                                          ", needs a chief procurator's sign-off"));
        }
      }
      return ClueStatus::kApproved;
    }
    case Decision::kReject:
      if (RejectReasonCode(review.reject_reason).empty()) {
        return absl::InvalidArgumentError(
            "reject_reason (a code such as no_hardship or compensated) is required to reject");
      }
      if (!has_reason) return absl::InvalidArgumentError("reason is required to reject");
      return ClueStatus::kRejected;
    case Decision::kRequestInfo:
      if (!has_reason) return absl::InvalidArgumentError("reason is required to request info");
      return ClueStatus::kMoreInfoRequested;
    case Decision::kInfoReceived:
      if (current != ClueStatus::kMoreInfoRequested) {
        return absl::FailedPreconditionError(
            "no information was requested for this clue (it is pending review)");
      }
      if (!has_reason) {
        return absl::InvalidArgumentError("reason (what came in) is required for info received");
      }
      return ClueStatus::kPendingReview;
    case Decision::kUnspecified:
      break;
  }
  return absl::InvalidArgumentError("decision is required");
}

}  // namespace lifeline::match
