// `lifeline import --ingest`: the importer's batches straight to ingest-service over gRPC, for
// operators inside the cluster who import files too large for the gateway's batches.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "tools/lifeline/import.h"

namespace lifeline::tools {

// Returns a channel to ingest-service at `target` ("127.0.0.1:50051") that reconnects within
// about two seconds of ingest coming back, so that an import's retry finds a restarted ingest
// instead of failing fast on a channel still waiting out gRPC's default reconnect backoff (up to
// two minutes).
std::shared_ptr<grpc::Channel> MakeIngestChannel(const std::string& target);

// Sends each batch as one lifeline.ingest.v1.IngestService.StreamRecords call: the first message
// names the agency and batch id, and the records follow in messages of at most
// `records_per_message`. ListRejections and GetBatch are unary calls. No caller metadata is sent,
// so ingest treats the calls as internal. gRPC status codes become the absl codes of the same
// number, so UNAVAILABLE (ingest down or restarting), RESOURCE_EXHAUSTED (ingest's outbox is full)
// and DEADLINE_EXCEEDED reach the importer as the codes it retries. Thread-safe.
class GrpcBatchSender : public BatchSender {
 public:
  struct Options {
    // Records per StreamRecords message.
    int records_per_message = 1000;
    // Deadline of one call: `timeout`, plus `timeout_per_record` for each record of a batch
    // (ingest validates and stores a whole stream before it answers).
    std::chrono::milliseconds timeout{120000};
    std::chrono::microseconds timeout_per_record{1000};
  };

  explicit GrpcBatchSender(std::shared_ptr<grpc::Channel> channel)
      : GrpcBatchSender(std::move(channel), Options()) {}
  GrpcBatchSender(std::shared_ptr<grpc::Channel> channel, Options options);

  // Streams the batch. Errors: what ingest or the transport answered.
  absl::StatusOr<ingest::v1::SubmitBatchResponse> SubmitBatch(
      const ingest::v1::SubmitBatchRequest& request) override;
  // Errors: what ingest or the transport answered (NotFound for an unknown batch).
  absl::StatusOr<ingest::v1::ListRejectionsResponse> ListRejections(
      const ingest::v1::ListRejectionsRequest& request) override;
  // Errors: what ingest or the transport answered (NotFound for an unknown batch).
  absl::StatusOr<ingest::v1::Batch> GetBatch(const ingest::v1::GetBatchRequest& request) override;

 private:
  std::unique_ptr<ingest::v1::IngestService::Stub> stub_;
  Options options_;
};

}  // namespace lifeline::tools
