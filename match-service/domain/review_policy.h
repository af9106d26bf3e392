// The review state machine of a clue.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

#include "match-service/domain/clue.h"

namespace lifeline::match {

// Returns the status a clue in `current` moves to when `review` is applied, given the largest
// amount that may be approved (`cap_fen`, the clue's suggested maximum).
// Errors: InvalidArgument (no decision; approval without an amount > 0 or above the cap;
// rejection or information request without a reason; no reviewer), FailedPrecondition (the clue
// was already approved or rejected).
absl::StatusOr<ClueStatus> ApplyReview(ClueStatus current, const Review& review, int64_t cap_fen);

}  // namespace lifeline::match
