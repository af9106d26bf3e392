#include "ingest-service/store/sqlite_ingest_store.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "ingest-service/domain/reason_codes.h"
#include "ingest-service/domain/version_rule.h"

namespace lifeline::ingest {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE batches (
  agency TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  received_time TEXT NOT NULL,
  record_count INTEGER NOT NULL,
  accepted_count INTEGER NOT NULL,
  rejected_count INTEGER NOT NULL,
  warning_count INTEGER NOT NULL,
  unchanged_count INTEGER NOT NULL,
  issue_count INTEGER NOT NULL,
  -- Serialized lifeline.ingest.v1.SubmitBatchResponse: the answer every retry gets.
  response BLOB NOT NULL,
  PRIMARY KEY (agency, batch_id)
);
CREATE TABLE records (
  agency TEXT NOT NULL,
  source_record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  -- SHA-256 of the normalized record without its batch id.
  content_hash BLOB NOT NULL,
  batch_id TEXT NOT NULL,
  -- Serialized lifeline.records.v1.NormalizedRecord; carries no raw ID number.
  normalized BLOB NOT NULL,
  PRIMARY KEY (agency, source_record_id)
);
CREATE TABLE issues (
  agency TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  record_index INTEGER NOT NULL,
  source_record_id TEXT NOT NULL,
  field TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  severity INTEGER NOT NULL,
  PRIMARY KEY (agency, batch_id, seq)
);
)sql";

// The outbox ids of the records a batch queued for match-service (common::OutboxIds; last <
// first: none), so that GetBatch counts those not yet delivered. A batch stored before these
// columns gets every id queued until then: an upper bound, exact once those are delivered.
constexpr char kBatchOutboxIds[] = R"sql(
ALTER TABLE batches ADD COLUMN match_first_outbox_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE batches ADD COLUMN match_last_outbox_id INTEGER NOT NULL DEFAULT 0;
UPDATE batches SET match_last_outbox_id =
  COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0);
)sql";

std::vector<common::Migration> Migrations() {
  return {common::Migration{1, kSchema},
          common::Outbox::SchemaMigration(2),
          common::Migration{3,
                            "ALTER TABLE batches ADD COLUMN retracted_count INTEGER NOT NULL "
                            "DEFAULT 0;"},
          common::Outbox::PendingCountMigration(4),
          common::Outbox::QueueOrderMigration(5),
          common::Migration{6, kBatchOutboxIds}};
}

// The first response of a stored batch, or nullopt when (agency, batch_id) is not stored: what a
// retry gets, from FindResponse before validation and from CommitBatch when two retries race.
// Call inside Run or InTransaction. Errors: the database's; Internal for an unreadable response.
absl::StatusOr<std::optional<v1::SubmitBatchResponse>> ReadResponse(common::Database& db,
                                                                    const std::string& agency,
                                                                    const std::string& batch_id) {
  return db.QueryOne(
      "SELECT response FROM batches WHERE agency = ?1 AND batch_id = ?2",
      [](const common::Statement& row) -> absl::StatusOr<v1::SubmitBatchResponse> {
        v1::SubmitBatchResponse response;
        if (!response.ParseFromString(row.ColumnBlob(0))) {
          return absl::InternalError("stored response of the batch cannot be parsed");
        }
        return response;
      },
      agency, batch_id);
}

v1::Batch BatchFromRow(const common::Statement& row) {
  v1::Batch batch;
  batch.set_agency(row.ColumnText(0));
  batch.set_batch_id(row.ColumnText(1));
  batch.set_received_time(row.ColumnText(2));
  batch.set_record_count(static_cast<int32_t>(row.ColumnInt(3)));
  batch.set_accepted_count(static_cast<int32_t>(row.ColumnInt(4)));
  batch.set_rejected_count(static_cast<int32_t>(row.ColumnInt(5)));
  batch.set_warning_count(static_cast<int32_t>(row.ColumnInt(6)));
  batch.set_unchanged_count(static_cast<int32_t>(row.ColumnInt(7)));
  batch.set_retracted_count(static_cast<int32_t>(row.ColumnInt(8)));
  return batch;
}

constexpr char kInsertRecord[] =
    "INSERT INTO records (agency, source_record_id, version, content_hash, batch_id, normalized) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (agency, source_record_id) DO NOTHING";
constexpr char kUpdateRecord[] =
    "UPDATE records SET version = ?3, content_hash = ?4, batch_id = ?5, normalized = ?6 "
    "WHERE agency = ?1 AND source_record_id = ?2";
constexpr char kInsertIssue[] =
    "INSERT INTO issues (agency, batch_id, seq, record_index, source_record_id, field, reason, "
    "message, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteIngestStore>> SqliteIngestStore::Open(
    const std::string& path, const common::Clock* clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<common::Database> db, common::Database::Open(path));
  RETURN_IF_ERROR(db->Migrate(Migrations()));
  std::unique_ptr<common::Database> reader;
  if (!common::Database::InMemory(path)) {
    ASSIGN_OR_RETURN(reader, common::Database::OpenReader(path));
  }
  return std::unique_ptr<SqliteIngestStore>(
      new SqliteIngestStore(std::move(db), std::move(reader), clock));
}

absl::StatusOr<std::unique_ptr<SqliteIngestStore>> SqliteIngestStore::OpenInDirectory(
    const std::string& data_dir, const common::Clock* clock) {
  return Open(absl::StrCat(data_dir, "/ingest.db"), clock);
}

// The statements CommitBatch runs for every record, prepared once per batch rather than taken
// from the connection's statement cache for every record.
struct SqliteIngestStore::RecordStatements {
  common::Statement insert_record;
  common::Statement update_record;

  // Runs the insert or the update of a record's row (they take the same parameters).
  static absl::Status WriteRecord(common::Statement& statement, const BatchSubmission& batch,
                                  const RecordSubmission& record, const SealedRecord& sealed) {
    statement.Reset();
    return statement.BindAll(batch.agency, record.source_record_id, record.version)
        .BindBlob(4, sealed.content_hash)
        .Bind(5, batch.batch_id)
        .BindBlob(6, sealed.bytes)
        .Run();
  }
};

absl::StatusOr<VersionDecision> SqliteIngestStore::StoreRecord(RecordStatements& statements,
                                                               const BatchSubmission& batch,
                                                               const RecordSubmission& record,
                                                               const SealedRecord& sealed) {
  // Most records are new: each is first inserted if absent, which costs one B-tree descent where
  // looking it up first and then inserting it cost two. Only a record already stored is looked
  // up, judged and maybe replaced.
  RETURN_IF_ERROR(RecordStatements::WriteRecord(statements.insert_record, batch, record, sealed));
  const IncomingVersion incoming{record.version, sealed.content_hash,
                                 record.normalized.retracted()};
  if (db_->Changes() == 1) return DecideVersion(std::nullopt, incoming);

  // The stored version and content hash.
  using StoredRow = std::pair<int64_t, std::string>;
  ASSIGN_OR_RETURN(std::optional<StoredRow> stored,
                   db_->QueryOne(
                       "SELECT version, content_hash FROM records WHERE agency = ?1 AND "
                       "source_record_id = ?2",
                       [](const common::Statement& row) {
                         return StoredRow(row.ColumnInt(0), row.ColumnBlob(1));
                       },
                       batch.agency, record.source_record_id));
  if (!stored.has_value()) return absl::InternalError("a record the insert found is missing");
  const VersionDecision decision =
      DecideVersion(StoredVersion{stored->first, stored->second}, incoming);
  if (WritesRecord(decision)) {
    RETURN_IF_ERROR(RecordStatements::WriteRecord(statements.update_record, batch, record, sealed));
  }
  return decision;
}

absl::StatusOr<CommitResult> SqliteIngestStore::CommitBatch(const BatchSubmission& batch,
                                                            const BatchResponder& respond) {
  CommitResult result;
  absl::Status status = db_->InTransaction([&]() -> absl::Status {
    result = CommitResult();
    ASSIGN_OR_RETURN(std::optional<v1::SubmitBatchResponse> first_response,
                     ReadResponse(*db_, batch.agency, batch.batch_id));
    if (first_response.has_value()) {
      result.response = *std::move(first_response);
      result.replayed = true;
      return absl::OkStatus();
    }

    ASSIGN_OR_RETURN(common::Statement insert_record, db_->Prepare(kInsertRecord));
    ASSIGN_OR_RETURN(common::Statement update_record, db_->Prepare(kUpdateRecord));
    RecordStatements statements{std::move(insert_record), std::move(update_record)};

    // Queued for match-service together after the loop; the views point into `batch` or into
    // sealed_here, both alive until then.
    std::vector<std::string_view> forwarded;
    forwarded.reserve(batch.records.size());
    std::deque<SealedRecord> sealed_here;
    VersionDecisions decisions;
    decisions.reserve(batch.records.size());
    for (const RecordSubmission& record : batch.records) {
      std::optional<VersionDecision>& decision = decisions.emplace_back();
      if (record.rejected) continue;
      // A record the caller sealed for this batch needs no work here; others are sealed now.
      const SealedRecord* sealed = &record.sealed;
      if (sealed->content_hash.empty() || sealed->bytes.empty()) {
        ASSIGN_OR_RETURN(sealed_here.emplace_back(), SealRecord(record.normalized, batch.batch_id));
        sealed = &sealed_here.back();
      }
      ASSIGN_OR_RETURN(decision, StoreRecord(statements, batch, record, *sealed));
      if (WritesRecord(*decision)) {
        forwarded.push_back(sealed->bytes);
        ++result.enqueued;
      }
    }
    common::OutboxIds queued;
    RETURN_IF_ERROR(outbox_.EnqueueAll(kMatchTopic, forwarded, &queued));

    BatchAnswer answer = respond(batch, decisions);
    RETURN_IF_ERROR(StoreIssues(batch, answer.issues));
    const v1::Batch& summary = answer.response.batch();
    ASSIGN_OR_RETURN(std::string response_bytes, SerializeDeterministic(answer.response));
    RETURN_IF_ERROR(db_->Execute(
        "INSERT INTO batches (agency, batch_id, received_time, record_count, accepted_count, "
        "rejected_count, warning_count, unchanged_count, issue_count, response, retracted_count, "
        "match_first_outbox_id, match_last_outbox_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        batch.agency, batch.batch_id, summary.received_time(),
        static_cast<int64_t>(summary.record_count()),
        static_cast<int64_t>(summary.accepted_count()),
        static_cast<int64_t>(summary.rejected_count()),
        static_cast<int64_t>(summary.warning_count()),
        static_cast<int64_t>(summary.unchanged_count()), static_cast<int64_t>(answer.issues.size()),
        common::Blob{response_bytes}, static_cast<int64_t>(summary.retracted_count()), queued.first,
        queued.last));
    result.response = std::move(answer.response);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::Status SqliteIngestStore::StoreIssues(const BatchSubmission& batch,
                                            const std::vector<v1::RecordIssue>& issues) {
  if (issues.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(common::Statement insert_issue, db_->Prepare(kInsertIssue));
  int64_t seq = 0;
  for (const v1::RecordIssue& issue : issues) {
    insert_issue.Reset();
    RETURN_IF_ERROR(insert_issue
                        .BindAll(batch.agency, batch.batch_id, ++seq,
                                 static_cast<int64_t>(issue.record_index()),
                                 issue.source_record_id(), issue.field(), issue.reason(),
                                 issue.message(), static_cast<int64_t>(issue.severity()))
                        .Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::SubmitBatchResponse>> SqliteIngestStore::FindResponse(
    const std::string& agency, const std::string& batch_id) {
  std::optional<v1::SubmitBatchResponse> response;
  RETURN_IF_ERROR(reader().Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(response, ReadResponse(reader(), agency, batch_id));
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::Batch> SqliteIngestStore::GetBatch(const std::string& agency,
                                                      const std::string& batch_id) {
  using Row = std::pair<v1::Batch, common::OutboxIds>;
  std::optional<Row> row;
  RETURN_IF_ERROR(reader().Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(row, reader().QueryOne(
                              "SELECT agency, batch_id, received_time, record_count, "
                              "accepted_count, rejected_count, warning_count, unchanged_count, "
                              "retracted_count, match_first_outbox_id, match_last_outbox_id "
                              "FROM batches WHERE agency = ?1 AND batch_id = ?2",
                              [](const common::Statement& found) {
                                return Row(
                                    BatchFromRow(found),
                                    common::OutboxIds{found.ColumnInt(9), found.ColumnInt(10)});
                              },
                              agency, batch_id));
    return absl::OkStatus();
  }));
  if (!row.has_value()) return absl::NotFoundError("batch not found");
  ASSIGN_OR_RETURN(int64_t queued, reader_outbox_.CountQueued(row->second));
  row->first.set_match_queued_count(static_cast<int32_t>(queued));
  return std::move(row->first);
}

absl::StatusOr<IssuePage> SqliteIngestStore::ListIssues(const std::string& agency,
                                                        const std::string& batch_id,
                                                        int64_t after_seq, int limit) {
  IssuePage page;
  RETURN_IF_ERROR(reader().Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<int64_t> found,
                     reader().QueryOne(
                         "SELECT 1 FROM batches WHERE agency = ?1 AND batch_id = ?2",
                         [](const common::Statement&) { return int64_t{1}; }, agency, batch_id));
    if (!found.has_value()) return absl::NotFoundError("batch not found");
    // One row more than asked for tells whether another page follows.
    int64_t last_seq = 0;
    return reader().ForEachRow(
        "SELECT seq, record_index, source_record_id, field, reason, message, severity FROM "
        "issues WHERE agency = ?1 AND batch_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
        [&](const common::Statement& row) {
          if (static_cast<int>(page.issues.size()) == limit) {
            page.next_after_seq = last_seq;
            return;
          }
          last_seq = row.ColumnInt(0);
          v1::RecordIssue& issue = page.issues.emplace_back();
          issue.set_record_index(static_cast<int32_t>(row.ColumnInt(1)));
          issue.set_source_record_id(row.ColumnText(2));
          issue.set_field(row.ColumnText(3));
          issue.set_reason(row.ColumnText(4));
          issue.set_message(row.ColumnText(5));
          issue.set_severity(static_cast<v1::Severity>(row.ColumnInt(6)));
        },
        agency, batch_id, after_seq, static_cast<int64_t>(limit) + 1);
  }));
  return page;
}

absl::StatusOr<int64_t> SqliteIngestStore::OutboxPending() {
  return reader_outbox_.Pending(kMatchTopic);
}

absl::StatusOr<MatchQueue> SqliteIngestStore::MatchQueueState() {
  MatchQueue queue;
  ASSIGN_OR_RETURN(queue.records, reader_outbox_.Pending(kMatchTopic));
  ASSIGN_OR_RETURN(std::optional<int64_t> oldest_ms, reader_outbox_.OldestCreatedMs(kMatchTopic));
  if (oldest_ms.has_value()) queue.oldest_stored = absl::FromUnixMillis(*oldest_ms);
  return queue;
}

std::vector<common::Database*> SqliteIngestStore::ConnectionsForTesting() {
  std::vector<common::Database*> connections = {db_.get()};
  if (reader_ != nullptr) connections.push_back(reader_.get());
  return connections;
}

}  // namespace lifeline::ingest
