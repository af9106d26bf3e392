#include "ingest-service/rpc/ingest_service_impl.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/paging/paging.h"
#include "common/records/agencies.h"
#include "common/server/admit.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "ingest-service/domain/sealed_record.h"
#include "ingest-service/rpc/batch_answer.h"
#include "ingest-service/rpc/record_mapping.h"
#include "ingest-service/rpc/stream_validation.h"

namespace lifeline::ingest {
namespace {

constexpr common::PageLimits kRejectionPages{100, 1000};

// A batch id names a batch in logs, metrics-free lines and the store: an agency's own key, never
// longer than this.
constexpr size_t kMaxBatchIdBytes = 128;

absl::Status CheckAgencyAndBatch(const std::string& agency, const std::string& batch_id) {
  if (agency.empty()) return absl::InvalidArgumentError("agency is required");
  if (common::FindAgency(agency) == nullptr) {
    // Echoed only when short enough to be a mistyped code.
    return absl::InvalidArgumentError(agency.size() <= 64
                                          ? absl::StrCat("unknown agency '", agency, "'")
                                          : std::string("unknown agency"));
  }
  if (batch_id.empty()) return absl::InvalidArgumentError("batch_id is required");
  if (batch_id.size() > kMaxBatchIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_id is longer than ", kMaxBatchIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

IngestServiceImpl::IngestServiceImpl(IngestStore* store, const RecordValidator* validator,
                                     const common::Clock* clock, IngestMetrics* metrics,
                                     std::function<void()> on_commit, Options options)
    : store_(store),
      validator_(validator),
      clock_(clock),
      metrics_(metrics),
      on_commit_(std::move(on_commit)),
      options_(options) {}

BatchSubmission IngestServiceImpl::NewBatch(const std::string& agency,
                                            const std::string& batch_id) const {
  BatchSubmission batch;
  batch.agency = agency;
  batch.batch_id = batch_id;
  batch.received_time = clock_->Now();
  return batch;
}

absl::Status IngestServiceImpl::CheckSubmitter(const common::Caller& caller,
                                               const std::string& agency,
                                               const std::string& batch_id) const {
  RETURN_IF_ERROR(CheckAgencyAndBatch(agency, batch_id));
  if (caller.internal() || caller.role == common::kRoleAdmin) return absl::OkStatus();
  if (caller.role == common::kRoleAgencySubmitter) {
    if (caller.scope == agency) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("an agency_submitter may submit only for its own agency, not '", agency, "'"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("role '", caller.role, "' may not submit records"));
}

absl::Status IngestServiceImpl::CheckReader(const common::Caller& caller, const std::string& agency,
                                            const std::string& batch_id) const {
  RETURN_IF_ERROR(CheckAgencyAndBatch(agency, batch_id));
  // The same rule as the gateway's: the agency itself, admins and internal callers; nobody else
  // (a role added later is denied until it is listed here).
  if (caller.internal() || caller.role == common::kRoleAdmin) return absl::OkStatus();
  if (caller.role == common::kRoleAgencySubmitter) {
    if (caller.scope == agency) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(
        "an agency_submitter may read only its own agency's batches, not '", agency, "'"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("role '", caller.role, "' may not read ingest batches"));
}

absl::StatusOr<bool> IngestServiceImpl::Replay(const char* rpc, const std::string& agency,
                                               const std::string& batch_id,
                                               v1::SubmitBatchResponse* response) {
  ASSIGN_OR_RETURN(std::optional<v1::SubmitBatchResponse> stored,
                   store_->FindResponse(agency, batch_id));
  if (!stored.has_value()) return false;
  spdlog::info("rpc={} agency={} batch_id={} replayed=true records={}", rpc, agency, batch_id,
               stored->batch().record_count());
  *response = *std::move(stored);
  return true;
}

absl::Status IngestServiceImpl::CheckBackpressure() {
  ASSIGN_OR_RETURN(int64_t pending, store_->OutboxPending());
  metrics_->SetOutboxPending(pending);
  if (pending > options_.max_outbox_pending) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "match-service is behind: ", pending, " records wait in the outbox (max_outbox_pending ",
        options_.max_outbox_pending, "); retry later"));
  }
  return absl::OkStatus();
}

absl::Status AddValidatedRecord(const RecordValidator& validator, const std::string& agency,
                                records::v1::Record* record, BatchSubmission* batch) {
  ValidationResult result = validator.Validate(agency, *record);
  RecordSubmission& submission = batch->records.emplace_back();
  submission.record_index = static_cast<int32_t>(batch->records.size() - 1);
  submission.source_record_id = record->source_record_id();
  submission.version = record->version();
  submission.rejected = result.rejected();
  for (const Issue& issue : result.issues) submission.issues.push_back(ToProtoIssue(issue));
  if (!submission.rejected) {
    submission.normalized = BuildNormalizedRecord(agency, std::move(*record), std::move(result));
    // Hashed and serialized here, on the caller's thread, not inside the commit.
    ASSIGN_OR_RETURN(submission.sealed, SealRecord(submission.normalized, batch->batch_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::SubmitBatchResponse> IngestServiceImpl::Commit(const char* rpc,
                                                                  const BatchSubmission& batch) {
  ASSIGN_OR_RETURN(CommitResult commit, store_->CommitBatch(batch, AnswerBatch));
  const v1::Batch& summary = commit.response.batch();
  if (commit.replayed) {
    spdlog::info("rpc={} agency={} batch_id={} replayed=true records={}", rpc, batch.agency,
                 batch.batch_id, summary.record_count());
    return std::move(commit.response);
  }
  if (commit.enqueued > 0) {
    if (on_commit_) on_commit_();
    absl::StatusOr<int64_t> pending = store_->OutboxPending();
    if (pending.ok()) metrics_->SetOutboxPending(*pending);
  }
  metrics_->CountBatch(batch.agency);
  for (const v1::RecordOutcome& outcome : commit.response.outcomes()) {
    metrics_->CountRecord(batch.agency, outcome.result());
  }
  spdlog::info(
      "rpc={} agency={} batch_id={} records={} accepted={} warnings={} rejected={} "
      "unchanged={} retracted={} enqueued={}",
      rpc, batch.agency, batch.batch_id, summary.record_count(), summary.accepted_count(),
      summary.warning_count(), summary.rejected_count(), summary.unchanged_count(),
      summary.retracted_count(), commit.enqueued);
  return std::move(commit.response);
}

grpc::Status IngestServiceImpl::SubmitBatch(grpc::ServerContext* context,
                                            const v1::SubmitBatchRequest* request,
                                            v1::SubmitBatchResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, nullptr);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckSubmitter(*authenticated, request->agency(), request->batch_id()));
    if (request->records().empty()) {
      return absl::InvalidArgumentError("records: the batch is empty");
    }
    if (request->records_size() > options_.max_batch_records) {
      return absl::InvalidArgumentError(
          absl::StrCat("records: the batch has ", request->records_size(),
                       " records, more than max_batch_records (", options_.max_batch_records,
                       "); split it or use StreamRecords"));
    }
    ASSIGN_OR_RETURN(bool replayed,
                     Replay("SubmitBatch", request->agency(), request->batch_id(), response));
    if (replayed) return absl::OkStatus();
    RETURN_IF_ERROR(CheckBackpressure());
    BatchSubmission batch = NewBatch(request->agency(), request->batch_id());
    batch.records.reserve(request->records_size());
    for (const records::v1::Record& record : request->records()) {
      // The request is not ours to take apart.
      records::v1::Record copy = record;
      RETURN_IF_ERROR(AddValidatedRecord(*validator_, request->agency(), &copy, &batch));
    }
    ASSIGN_OR_RETURN(*response, Commit("SubmitBatch", batch));
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status IngestServiceImpl::StreamRecords(grpc::ServerContext* context,
                                              grpc::ServerReader<v1::StreamRecordsRequest>* reader,
                                              v1::SubmitBatchResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, nullptr);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    v1::StreamRecordsRequest message;
    if (!reader->Read(&message)) {
      return absl::InvalidArgumentError("the stream carried no messages");
    }
    const std::string agency = message.agency();
    const std::string batch_id = message.batch_id();
    RETURN_IF_ERROR(CheckSubmitter(*authenticated, agency, batch_id));
    ASSIGN_OR_RETURN(bool replayed, Replay("StreamRecords", agency, batch_id, response));
    if (replayed) {
      // The rest of the stream is read but not looked at.
      while (reader->Read(&message)) {
      }
      return absl::OkStatus();
    }
    // Fail fast, before the client uploads millions of rows; checked again before the commit.
    RETURN_IF_ERROR(CheckBackpressure());
    // Records are validated and normalized as they arrive (on a second thread, while this one
    // reads on), so the raw messages (with raw ID numbers) are not held until the end; the batch
    // commits in one transaction when the client closes the stream.
    BatchSubmission batch = NewBatch(agency, batch_id);
    StreamValidation validation(validator_, agency, &batch);
    const absl::Time started = absl::Now();
    int64_t next_progress = options_.stream_progress_records;
    int64_t received = 0;
    bool first = true;
    do {
      // A stream is one agency's batch: a later message naming another is refused, not ignored.
      if (!first && ((!message.agency().empty() && message.agency() != agency) ||
                     (!message.batch_id().empty() && message.batch_id() != batch_id))) {
        return absl::InvalidArgumentError(
            "a later message of the stream names another agency or batch_id than the first; a "
            "stream is one agency's batch");
      }
      first = false;
      if (received + message.records_size() > options_.max_stream_records) {
        return absl::InvalidArgumentError(
            absl::StrCat("records: the stream has more than max_stream_records (",
                         options_.max_stream_records, ") records"));
      }
      received += message.records_size();
      metrics_->CountStreamed(agency, message.records_size());
      // Moved to the validating thread, which takes its records apart instead of copying them.
      RETURN_IF_ERROR(validation.Add(std::move(message)));
      message = v1::StreamRecordsRequest();
      if (options_.stream_progress_records > 0 && received >= next_progress) {
        const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
        spdlog::info(
            "rpc=StreamRecords agency={} batch_id={} received={} seconds={:.1f} "
            "records_per_second={:.0f}",
            agency, batch_id, received, seconds, seconds > 0 ? received / seconds : 0.0);
        next_progress =
            (received / options_.stream_progress_records + 1) * options_.stream_progress_records;
      }
    } while (reader->Read(&message));
    RETURN_IF_ERROR(validation.Finish());
    if (batch.records.empty()) return absl::InvalidArgumentError("records: the batch is empty");
    RETURN_IF_ERROR(CheckBackpressure());
    ASSIGN_OR_RETURN(*response, Commit("StreamRecords", batch));
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status IngestServiceImpl::GetBatch(grpc::ServerContext* context,
                                         const v1::GetBatchRequest* request, v1::Batch* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckReader(*authenticated, request->agency(), request->batch_id()));
    ASSIGN_OR_RETURN(*response, store_->GetBatch(request->agency(), request->batch_id()));
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

grpc::Status IngestServiceImpl::ListRejections(grpc::ServerContext* context,
                                               const v1::ListRejectionsRequest* request,
                                               v1::ListRejectionsResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckReader(*authenticated, request->agency(), request->batch_id()));
    const int page_size = common::PageSize(request->page_size(), kRejectionPages);
    ASSIGN_OR_RETURN(int64_t after_seq, common::ParsePageToken(request->page_token()));
    ASSIGN_OR_RETURN(IssuePage page, store_->ListIssues(request->agency(), request->batch_id(),
                                                        after_seq, page_size));
    for (v1::RecordIssue& issue : page.issues) *response->add_issues() = std::move(issue);
    response->set_next_page_token(common::NextPageToken(page.next_after_seq));
    return absl::OkStatus();
  };
  return common::ToGrpcStatus(run());
}

}  // namespace lifeline::ingest
