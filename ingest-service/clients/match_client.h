// Outbound calls to match-service.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace lifeline::ingest {

// Hands normalized records to match-service. Implementations are thread-safe.
class MatchClient {
 public:
  virtual ~MatchClient() = default;

  // Delivers records, each a serialized lifeline.records.v1.NormalizedRecord. OK means
  // match-service has applied them durably. Errors: InvalidArgument when a payload cannot be
  // parsed; otherwise the call's status (Unavailable, DeadlineExceeded, ...).
  virtual absl::Status SendRecords(const std::vector<std::string>& serialized_records) = 0;
};

}  // namespace lifeline::ingest
