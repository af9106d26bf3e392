// IngestStore on one SQLite file, <data_dir>/ingest.db, with the outbox in the same database.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "common/outbox/outbox.h"
#include "common/storage/sqlite.h"
#include "common/time/dates.h"
#include "ingest-service/domain/version_rule.h"
#include "ingest-service/store/ingest_store.h"

namespace lifeline::ingest {

// SQLite implementation of IngestStore. Thread-safe (each Database serializes its callers). A file
// store reads on a second connection: a retry check, the backpressure count and the read RPCs of
// one stream do not wait for another stream's commit.
class SqliteIngestStore : public IngestStore {
 public:
  // Opens or creates the database at `path` (":memory:" for a private one) and applies the
  // migrations. `clock` stamps when a record is queued for match-service (MatchQueueState); not
  // owned. Errors: Unavailable if it cannot be opened, FailedPrecondition if its schema is newer
  // than this binary, Internal on SQL errors.
  static absl::StatusOr<std::unique_ptr<SqliteIngestStore>> Open(
      const std::string& path, const common::Clock* clock = common::Clock::Real());

  // Opens <data_dir>/ingest.db, creating the directory if needed. Errors as Open.
  static absl::StatusOr<std::unique_ptr<SqliteIngestStore>> OpenInDirectory(
      const std::string& data_dir, const common::Clock* clock = common::Clock::Real());

  absl::StatusOr<CommitResult> CommitBatch(const BatchSubmission& batch,
                                           const BatchResponder& respond) override;
  absl::StatusOr<std::optional<v1::SubmitBatchResponse>> FindResponse(
      const std::string& agency, const std::string& batch_id) override;
  absl::StatusOr<v1::Batch> GetBatch(const std::string& agency,
                                     const std::string& batch_id) override;
  absl::StatusOr<IssuePage> ListIssues(const std::string& agency, const std::string& batch_id,
                                       int64_t after_seq, int limit) override;
  absl::StatusOr<int64_t> OutboxPending() override;
  absl::StatusOr<MatchQueue> MatchQueueState() override;

  // The outbox the dispatcher drains (topic kMatchTopic).
  common::Outbox* outbox() { return &outbox_; }

  // For tests: the writing connection, then the reading one when there is one (query plans, and
  // reading rows no RPC returns).
  std::vector<common::Database*> ConnectionsForTesting();

 private:
  struct RecordStatements;

  // Stores one accepted, sealed record of `batch` as the version rule decides and returns the
  // decision. Call inside CommitBatch's transaction. Errors: the database's.
  absl::StatusOr<VersionDecision> StoreRecord(RecordStatements& statements,
                                              const BatchSubmission& batch,
                                              const RecordSubmission& record,
                                              const SealedRecord& sealed);
  // Stores a batch's issues under sequence numbers 1, 2, ... Call inside CommitBatch's
  // transaction. Errors: the database's.
  absl::Status StoreIssues(const BatchSubmission& batch,
                           const std::vector<v1::RecordIssue>& issues);

  // `reader` may be null (an in-memory database has no second connection): reads then go to
  // `db`.
  SqliteIngestStore(std::unique_ptr<common::Database> db, std::unique_ptr<common::Database> reader,
                    const common::Clock* clock)
      : db_(std::move(db)),
        reader_(std::move(reader)),
        outbox_(db_.get(), clock),
        reader_outbox_(reader_ != nullptr ? reader_.get() : db_.get(), clock) {}

  // The connection for reads outside a commit.
  common::Database& reader() { return reader_ != nullptr ? *reader_ : *db_; }

  std::unique_ptr<common::Database> db_;
  std::unique_ptr<common::Database> reader_;
  common::Outbox outbox_;
  // The same outbox through the reading connection, for its pending count and queue reads.
  common::Outbox reader_outbox_;
};

}  // namespace lifeline::ingest
