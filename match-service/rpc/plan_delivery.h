// Delivers queued plan requests (outbox topic "referral") to referral-service and stores the
// plan id on each clue.
#pragma once

#include <vector>

#include "absl/status/status.h"

#include "common/outbox/outbox.h"
#include "match-service/clients/referral_client.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

// Sends each message's plan request through `client` and records the returned plan id. Returns
// the first failure (the dispatcher then retries the whole batch; CreatePlan is idempotent per
// clue). A payload that cannot be parsed is an Internal error: it was written by this service.
absl::Status DeliverPlans(const std::vector<common::OutboxMessage>& messages,
                          ReferralClient* client, MatchStore* store);

}  // namespace lifeline::match
