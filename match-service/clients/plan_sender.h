// Glue between the outbox dispatcher and a ReferralClient: delivers queued plan requests (outbox
// topic "referral", serialized lifeline.referral.v1.CreatePlanRequest) and stores the plan id on
// each clue. The same shape as ingest's MakeMatchSender.
#pragma once

#include "common/outbox/outbox.h"
#include "match-service/clients/referral_client.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// Returns an OutboxDispatcher sender that sends each message's plan request through `client` and
// records the returned plan id in `store`. It returns the first failure (the dispatcher then
// retries the whole batch; CreatePlan is idempotent per clue). A payload that does not parse is
// Internal: this service wrote it. `client` and `store` must outlive the sender.
common::OutboxDispatcher::Sender MakePlanSender(ReferralClient* client, MatchStore* store);

}  // namespace lifeline::match
