#include "match-service/domain/review_policy.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lifeline::match {

absl::StatusOr<ClueStatus> ApplyReview(ClueStatus current, const Review& review, int64_t cap_fen) {
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
    case Decision::kApprove:
      if (review.amount_fen <= 0) {
        return absl::InvalidArgumentError("amount_fen must be > 0 to approve");
      }
      if (review.amount_fen > cap_fen) {
        return absl::InvalidArgumentError(
            absl::StrCat("amount_fen ", review.amount_fen, " exceeds the cap ", cap_fen));
      }
      return ClueStatus::kApproved;
    case Decision::kReject:
      if (!has_reason) return absl::InvalidArgumentError("reason is required to reject");
      return ClueStatus::kRejected;
    case Decision::kRequestInfo:
      if (!has_reason) return absl::InvalidArgumentError("reason is required to request info");
      return ClueStatus::kMoreInfoRequested;
    case Decision::kUnspecified:
      break;
  }
  return absl::InvalidArgumentError("decision is required");
}

}  // namespace lifeline::match
