#include "match-service/rpc/plan_delivery.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"

namespace lifeline::match {

absl::Status DeliverPlans(const std::vector<common::OutboxMessage>& messages,
                          ReferralClient* client, MatchStore* store) {
  for (const common::OutboxMessage& message : messages) {
    referral::v1::CreatePlanRequest request;
    if (!request.ParseFromString(message.payload)) {
      return absl::InternalError(
          absl::StrCat("outbox message ", message.id, ": not a CreatePlanRequest"));
    }
    ASSIGN_OR_RETURN(std::string plan_id, client->CreatePlan(request));
    RETURN_IF_ERROR(store->SetPlanId(request.clue_id(), plan_id));
  }
  return absl::OkStatus();
}

}  // namespace lifeline::match
