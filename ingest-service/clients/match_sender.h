// Glue between the outbox dispatcher and a MatchClient.
#pragma once

#include "common/outbox/outbox.h"
#include "ingest-service/clients/match_client.h"

namespace lifeline::ingest {

// Returns an OutboxDispatcher sender that delivers a batch of outbox messages (serialized
// NormalizedRecords) to `client` in one call. `client` must outlive the sender.
common::OutboxDispatcher::Sender MakeMatchSender(MatchClient* client);

}  // namespace lifeline::ingest
