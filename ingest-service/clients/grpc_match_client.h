// MatchClient over gRPC: MatchService.UpsertRecords.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/time/time.h"

#include "ingest-service/clients/match_client.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"

namespace lifeline::ingest {

// Calls MatchService.UpsertRecords, one call per SendRecords, with a deadline. Thread-safe.
class GrpcMatchClient : public MatchClient {
 public:
  explicit GrpcMatchClient(std::shared_ptr<grpc::Channel> channel,
                           absl::Duration deadline = absl::Seconds(10));

  absl::Status SendRecords(const std::vector<std::string>& serialized_records) override;

 private:
  std::unique_ptr<match::v1::MatchService::Stub> stub_;
  absl::Duration deadline_;
};

}  // namespace lifeline::ingest
