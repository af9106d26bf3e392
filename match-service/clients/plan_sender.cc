#include "match-service/clients/plan_sender.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "lifeline/referral/v1/referral_service.pb.h"

namespace lifeline::match {

common::OutboxDispatcher::Sender MakePlanSender(ReferralClient* client, MatchStore* store) {
  return [client, store](const std::vector<common::OutboxMessage>& messages) -> absl::Status {
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
  };
}

}  // namespace lifeline::match
