// Glue between the outbox dispatcher and a MatchClient.
#pragma once

#include "common/outbox/outbox.h"
#include "ingest-service/clients/match_client.h"
#include "ingest-service/rpc/ingest_metrics.h"
#include "ingest-service/store/ingest_store.h"

namespace lifeline::ingest {

// Returns an OutboxDispatcher sender that delivers a batch of outbox messages (serialized
// NormalizedRecords) to `client` in one call and logs a failed send. With `store` and `metrics`,
// each delivered batch also brings the outbox gauge up to date. None is owned; all must outlive
// the sender.
common::OutboxDispatcher::Sender MakeMatchSender(MatchClient* client, IngestStore* store = nullptr,
                                                 IngestMetrics* metrics = nullptr);

}  // namespace lifeline::ingest
