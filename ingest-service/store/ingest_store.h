// Durable state of ingest-service: batches, the current version of every accepted record, the
// issues found in each batch, and the outbox towards match-service.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "ingest-service/domain/sealed_record.h"
#include "ingest-service/domain/version_rule.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/records/v1/records.pb.h"

namespace lifeline::ingest {

// Outbox topic whose messages are serialized lifeline.records.v1.NormalizedRecord for
// match-service.
inline constexpr char kMatchTopic[] = "match";

// One validated record of a batch, ready to be stored.
struct RecordSubmission {
  // 0-based position in the batch.
  int32_t record_index = 0;
  std::string source_record_id;
  int64_t version = 0;
  // Issues found by validation; record_index and source_record_id are filled in by the store.
  std::vector<v1::RecordIssue> issues;
  // True when validation found an error: the record is not stored.
  bool rejected = false;
  // The normalized record (without batch_id) when not rejected.
  records::v1::NormalizedRecord normalized;
  // `normalized` sealed for this batch (SealRecord), on the caller's thread rather than inside
  // the store's transaction, which holds the one database connection. Empty until sealed;
  // CommitBatch seals an unsealed record itself.
  SealedRecord sealed;
};

struct BatchSubmission {
  std::string agency;
  std::string batch_id;
  absl::Time received_time;
  std::vector<RecordSubmission> records;
};

// What the version rule decided for each record of a batch, in batch order; nullopt for a record
// validation rejected, which is not stored.
using VersionDecisions = std::vector<std::optional<VersionDecision>>;

// The answer to a batch and every issue to store for it (validation's and the version rule's,
// record_index and source_record_id filled in, in batch order).
struct BatchAnswer {
  v1::SubmitBatchResponse response;
  std::vector<v1::RecordIssue> issues;
};

// Builds a batch's answer from the store's decisions (rpc/batch_answer.h AnswerBatch).
using BatchResponder = std::function<BatchAnswer(const BatchSubmission&, const VersionDecisions&)>;

struct CommitResult {
  v1::SubmitBatchResponse response;
  // True when the batch id was already stored: `response` is the stored first answer and
  // nothing was written.
  bool replayed = false;
  // Records queued for match-service by this commit.
  int enqueued = 0;
};

// What waits in the outbox for match-service.
struct MatchQueue {
  // Records queued (one outbox message each).
  int64_t records = 0;
  // When the first-queued of them was stored; nullopt when none waits.
  std::optional<absl::Time> oldest_stored;
};

struct IssuePage {
  std::vector<v1::RecordIssue> issues;
  // Sequence number of the last issue returned when more follow; 0 on the last page.
  int64_t next_after_seq = 0;
};

// Storage for ingest-service. Implementations are thread-safe.
class IngestStore {
 public:
  virtual ~IngestStore() = default;

  // Stores a batch in one transaction: applies the version rule (domain/version_rule.h) to each
  // accepted record against the stored one, stores the records it writes and queues them on the
  // match topic, then stores the answer `respond` builds from the decisions and its issues. When
  // (agency, batch_id) is already stored, returns the first response and writes nothing. Errors:
  // Internal / Unavailable / ResourceExhausted from the database.
  virtual absl::StatusOr<CommitResult> CommitBatch(const BatchSubmission& batch,
                                                   const BatchResponder& respond) = 0;

  // Returns the first response of a stored batch, or nullopt when (agency, batch_id) is not
  // stored. Lets a retry be answered before its records are validated again.
  virtual absl::StatusOr<std::optional<v1::SubmitBatchResponse>> FindResponse(
      const std::string& agency, const std::string& batch_id) = 0;

  // Returns a stored batch's summary with match_queued_count: how many of the records it queued
  // for match-service are not yet delivered. Errors: NotFound.
  virtual absl::StatusOr<v1::Batch> GetBatch(const std::string& agency,
                                             const std::string& batch_id) = 0;

  // Returns up to `limit` issues of a batch with sequence numbers above `after_seq`, in order.
  // Errors: NotFound when the batch is unknown.
  virtual absl::StatusOr<IssuePage> ListIssues(const std::string& agency,
                                               const std::string& batch_id, int64_t after_seq,
                                               int limit) = 0;

  // Returns how many messages wait in the outbox for match-service.
  virtual absl::StatusOr<int64_t> OutboxPending() = 0;

  // Returns how many records wait in the outbox for match-service and since when.
  virtual absl::StatusOr<MatchQueue> MatchQueueState() = 0;
};

}  // namespace lifeline::ingest
