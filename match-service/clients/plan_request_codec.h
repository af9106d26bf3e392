// The wire form of a plan request: a serialized lifeline.referral.v1.CreatePlanRequest, which is
// what match's outbox holds on the "referral" topic.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "lifeline/referral/v1/referral_service.pb.h"
#include "match-service/domain/plan_request.h"

namespace lifeline::match {

// Converts a domain plan request to the proto message.
referral::v1::CreatePlanRequest ToProto(const PlanRequest& request);

// Converts the proto message back.
PlanRequest FromProto(const referral::v1::CreatePlanRequest& proto);

// Serializes `request` as a CreatePlanRequest. Errors: Internal if serialization fails.
absl::StatusOr<std::string> EncodePlanRequest(const PlanRequest& request);

// Parses what EncodePlanRequest wrote. Errors: InvalidArgument on a malformed payload.
absl::StatusOr<PlanRequest> DecodePlanRequest(std::string_view payload);

}  // namespace lifeline::match
