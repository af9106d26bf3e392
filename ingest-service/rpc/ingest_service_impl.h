// IngestService over gRPC: checks the request and the caller, validates each record with the
// domain's RecordValidator, commits the batch through IngestStore and wakes the outbox.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/auth/caller.h"
#include "common/time/dates.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/rpc/ingest_metrics.h"
#include "ingest-service/store/ingest_store.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"

namespace lifeline::ingest {

// Validates and normalizes one record of `agency` and appends it, sealed, to `batch`: what the
// service does with every record it receives. Takes `record` apart (its payload moves into the
// normalized record): it is left valid but unspecified. Errors: Internal when the record cannot
// be sealed.
absl::Status AddValidatedRecord(const RecordValidator& validator, const std::string& agency,
                                records::v1::Record* record, BatchSubmission* batch);

// Synchronous IngestService implementation. Thread-safe: it holds no mutable state of its own.
class IngestServiceImpl final : public v1::IngestService::Service {
 public:
  struct Options {
    // Largest SubmitBatch request, in records.
    int64_t max_batch_records = 10000;
    // Largest StreamRecords stream, in records.
    int64_t max_stream_records = 1000000;
    // Above this many records waiting for match-service, new batches get RESOURCE_EXHAUSTED.
    int64_t max_outbox_pending = 1000000;
    // A stream logs its progress every this many records.
    int64_t stream_progress_records = 100000;
  };

  // None of the pointers is owned; all must outlive the service. `on_commit` runs after every
  // commit that queued records (it wakes the outbox dispatcher).
  IngestServiceImpl(IngestStore* store, const RecordValidator* validator,
                    const common::Clock* clock, IngestMetrics* metrics,
                    std::function<void()> on_commit, Options options);

  grpc::Status SubmitBatch(grpc::ServerContext* context, const v1::SubmitBatchRequest* request,
                           v1::SubmitBatchResponse* response) override;
  grpc::Status StreamRecords(grpc::ServerContext* context,
                             grpc::ServerReader<v1::StreamRecordsRequest>* reader,
                             v1::SubmitBatchResponse* response) override;
  grpc::Status GetBatch(grpc::ServerContext* context, const v1::GetBatchRequest* request,
                        v1::Batch* response) override;
  grpc::Status ListRejections(grpc::ServerContext* context,
                              const v1::ListRejectionsRequest* request,
                              v1::ListRejectionsResponse* response) override;

 private:
  // Checks agency, batch id and the caller's right to submit for the agency.
  // Errors: InvalidArgument, PermissionDenied.
  absl::Status CheckSubmitter(const common::Caller& caller, const std::string& agency,
                              const std::string& batch_id) const;
  // When (agency, batch_id) is stored, puts its first response into `response` and returns true:
  // a retry is answered before backpressure and without validating its records again.
  absl::StatusOr<bool> Replay(const char* rpc, const std::string& agency,
                              const std::string& batch_id, v1::SubmitBatchResponse* response);
  // Checks that the outbox is not too far behind. Errors: ResourceExhausted.
  absl::Status CheckBackpressure();
  // An empty batch received now.
  BatchSubmission NewBatch(const std::string& agency, const std::string& batch_id) const;
  // Commits a validated batch, counts it in the metrics and wakes the outbox.
  absl::StatusOr<v1::SubmitBatchResponse> Commit(const char* rpc, const BatchSubmission& batch);
  // Checks the caller's right to read the agency's batches. Errors: InvalidArgument,
  // PermissionDenied.
  absl::Status CheckReader(const common::Caller& caller, const std::string& agency,
                           const std::string& batch_id) const;

  IngestStore* store_;
  const RecordValidator* validator_;
  const common::Clock* clock_;
  IngestMetrics* metrics_;
  std::function<void()> on_commit_;
  Options options_;
};

}  // namespace lifeline::ingest
