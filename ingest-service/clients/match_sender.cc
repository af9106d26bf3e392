#include "ingest-service/clients/match_sender.h"

#include <string>
#include <vector>

namespace lifeline::ingest {

common::OutboxDispatcher::Sender MakeMatchSender(MatchClient* client) {
  return [client](const std::vector<common::OutboxMessage>& messages) {
    std::vector<std::string> payloads;
    payloads.reserve(messages.size());
    for (const common::OutboxMessage& message : messages) payloads.push_back(message.payload);
    return client->SendRecords(payloads);
  };
}

}  // namespace lifeline::ingest
