// What match-service asks referral-service for when a clue is approved: the person, the category
// and case, the approved amount and the needs the data shows (which choose the "N"). The outbox
// carries this message's bytes as they are.
#pragma once

#include <string>

#include "lifeline/referral/v1/referral_service.pb.h"
#include "match-service/domain/clue.h"
#include "match-service/domain/records.h"

namespace lifeline::match {

// Returns the plan request for `clue` approved by `review`, about the person `person_id` whose
// best-known identity is `person`.
referral::v1::CreatePlanRequest ComposePlanRequest(const Clue& clue, const std::string& person_id,
                                                   const NormalizedPerson& person,
                                                   const Review& review);

}  // namespace lifeline::match
