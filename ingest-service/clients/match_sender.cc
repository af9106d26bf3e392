#include "ingest-service/clients/match_sender.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

namespace lifeline::ingest {

common::OutboxDispatcher::Sender MakeMatchSender(MatchClient* client, IngestStore* store,
                                                 IngestMetrics* metrics) {
  return [client, store, metrics](const std::vector<common::OutboxMessage>& messages) {
    std::vector<std::string> payloads;
    payloads.reserve(messages.size());
    for (const common::OutboxMessage& message : messages) payloads.push_back(message.payload);
    absl::Status status = client->SendRecords(payloads);
    if (!status.ok()) {
      spdlog::warn("event=match_send_failed records={} status=\"{}\"", messages.size(),
                   status.ToString());
      return status;
    }
    if (store == nullptr || metrics == nullptr) return status;
    // The delivered messages are deleted right after this returns.
    if (absl::StatusOr<int64_t> pending = store->OutboxPending(); pending.ok()) {
      metrics->SetOutboxPending(
          std::max<int64_t>(0, *pending - static_cast<int64_t>(messages.size())));
    }
    return status;
  };
}

}  // namespace lifeline::ingest
