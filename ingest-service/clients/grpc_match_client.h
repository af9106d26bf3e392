// MatchClient over gRPC: MatchService.UpsertRecords, sent as the records' bytes from the outbox.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/time/time.h"

#include "ingest-service/clients/match_client.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"

namespace lifeline::ingest {

// The bytes of an UpsertRecordsRequest holding `serialized_records` (each a serialized
// NormalizedRecord), written the way protobuf writes the repeated field: the outbox keeps each
// record serialized, and parsing every one only to serialize the request again cost more than the
// rest of a send.
std::string UpsertRecordsWire(const std::vector<std::string>& serialized_records);

// Calls MatchService.UpsertRecords, one call per SendRecords, with a deadline. The records are
// not parsed here: a payload that is not a record fails the call at match-service. Thread-safe.
class GrpcMatchClient : public MatchClient {
 public:
  explicit GrpcMatchClient(std::shared_ptr<grpc::Channel> channel,
                           absl::Duration deadline = absl::Seconds(10));

  absl::Status SendRecords(const std::vector<std::string>& serialized_records) override;

 private:
  grpc::TemplatedGenericStub<grpc::ByteBuffer, match::v1::UpsertRecordsResponse> stub_;
  std::string method_;
  absl::Duration deadline_;
};

}  // namespace lifeline::ingest
