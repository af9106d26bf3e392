// The review state machine of a clue, and who may decide what.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "match-service/domain/clue.h"

namespace lifeline::match {

// What the caller of a review or a clue read may do, from their authenticated role and scope.
struct ReviewAuthority {
  // May approve below a clue's floor or above the approval threshold (a chief procurator, or a
  // trusted internal caller).
  bool senior_sign_off = false;
  // Division code prefixes of the regions the caller serves ("3415", "341523"); empty means
  // every region.
  std::vector<std::string> regions;

  // True when a clue of `region_code` is the caller's.
  bool Covers(std::string_view region_code) const;
  // PermissionDenied unless Covers(region_code) (the message names no person).
  absl::Status CheckRegion(std::string_view region_code) const;
  // The region prefixes a list filtered to `requested` ("" for no filter) may show: the
  // requested one where the caller serves it, the caller's regions inside it, or PermissionDenied
  // when they do not meet.
  absl::StatusOr<std::vector<std::string>> Narrow(std::string_view requested) const;
};

// The amounts an approval is checked against.
struct ApprovalLimits {
  int64_t floor_fen = 0;      // the clue's suggested minimum
  int64_t cap_fen = 0;        // the clue's suggested maximum
  int64_t threshold_fen = 0;  // the rules' approval threshold
};

// Returns the status a clue in `current` moves to when `review` is applied. An approval needs an
// amount in (0, cap]; below the floor or above the threshold it also needs a note (`reason`)
// and senior sign-off. A rejection needs a reject_reason code and a note; a request for
// information says what; info received (what came in) takes a clue waiting for information back
// to pending review.
// Errors: InvalidArgument (no decision; approval without an amount, above the cap or without a
// needed note; rejection without a code or note; information request or receipt without a note;
// no reviewer), PermissionDenied (sign-off the authority lacks), FailedPrecondition (the clue
// was already approved or rejected, cannot be reviewed, or no information was requested).
absl::StatusOr<ClueStatus> ApplyReview(ClueStatus current, const Review& review,
                                       const ApprovalLimits& limits,
                                       const ReviewAuthority& authority);

}  // namespace lifeline::match
