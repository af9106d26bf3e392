#include "ingest-service/clients/grpc_match_client.h"

#include <grpcpp/client_context.h>

#include "common/status/grpc_status.h"

namespace lifeline::ingest {

GrpcMatchClient::GrpcMatchClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : stub_(match::v1::MatchService::NewStub(std::move(channel))), deadline_(deadline) {}

absl::Status GrpcMatchClient::SendRecords(const std::vector<std::string>& serialized_records) {
  match::v1::UpsertRecordsRequest request;
  request.mutable_records()->Reserve(static_cast<int>(serialized_records.size()));
  for (const std::string& bytes : serialized_records) {
    if (!request.add_records()->ParseFromString(bytes)) {
      return absl::InvalidArgumentError("an outbox payload is not a NormalizedRecord");
    }
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  match::v1::UpsertRecordsResponse response;
  return common::FromGrpcStatus(stub_->UpsertRecords(&context, request, &response));
}

}  // namespace lifeline::ingest
