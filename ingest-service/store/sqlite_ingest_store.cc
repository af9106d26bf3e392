#include "ingest-service/store/sqlite_ingest_store.h"

#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "ingest-service/domain/reason_codes.h"

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

std::vector<common::Migration> Migrations() {
  return {common::Migration{1, kSchema}, common::Outbox::SchemaMigration(2),
          common::Migration{3,
                            "ALTER TABLE batches ADD COLUMN retracted_count INTEGER NOT NULL "
                            "DEFAULT 0;"},
          common::Outbox::PendingCountMigration(4)};
}

// Serializes deterministically, so equal messages give equal bytes.
// Errors: Internal when the message cannot be serialized.
absl::StatusOr<std::string> SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string bytes;
  bool ok = false;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    ok = message.SerializeToCodedStream(&coded);
  }
  if (!ok) return absl::InternalError("a message cannot be serialized");
  return bytes;
}

absl::StatusOr<std::string> Sha256(std::string_view bytes) {
  // Fetched once: with EVP_sha256() OpenSSL 3 looks the implementation up again on every call,
  // which cost about as much as hashing the record.
  static const EVP_MD* const kSha256 = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, kSha256, nullptr) != 1) {
    return absl::InternalError("SHA-256 of a record failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// Appends a length-delimited field to serialized message bytes. Parsing gives the same message as
// if the field had been serialized in its place, so a record is serialized once for its content
// hash (without the batch id) and once more only by this append (with it).
void AppendStringField(int field_number, std::string_view value, std::string* bytes) {
  google::protobuf::io::StringOutputStream stream(bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(static_cast<uint32_t>(field_number) << 3 | 2);  // wire type 2: length-delimited
  coded.WriteVarint32(static_cast<uint32_t>(value.size()));
  coded.WriteRaw(value.data(), static_cast<int>(value.size()));
}

// The first response of a stored batch, or nullopt when (agency, batch_id) is not stored: what a
// retry gets, from FindResponse before validation and from CommitBatch when two retries race.
// Call inside Run or InTransaction. Errors: the database's; Internal for an unreadable response.
absl::StatusOr<std::optional<v1::SubmitBatchResponse>> ReadResponse(common::Database& db,
                                                                    const std::string& agency,
                                                                    const std::string& batch_id) {
  ASSIGN_OR_RETURN(common::Statement select,
                   db.Prepare("SELECT response FROM batches WHERE agency = ?1 AND batch_id = ?2"));
  select.Bind(1, agency).Bind(2, batch_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::nullopt;
  v1::SubmitBatchResponse response;
  if (!response.ParseFromString(select.ColumnBlob(0))) {
    return absl::InternalError("stored response of the batch cannot be parsed");
  }
  return response;
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

}  // namespace

absl::Status SealRecord(const std::string& batch_id, RecordSubmission* record) {
  if (record->rejected) return absl::OkStatus();
  // The content hash ignores the batch that carried the record.
  records::v1::NormalizedRecord& normalized = record->normalized;
  std::string carried;
  if (!normalized.batch_id().empty()) {
    carried = normalized.batch_id();
    normalized.clear_batch_id();
  }
  absl::StatusOr<std::string> bytes = SerializeDeterministic(normalized);
  if (!carried.empty()) normalized.set_batch_id(carried);
  if (!bytes.ok()) return bytes.status();
  ASSIGN_OR_RETURN(record->content_hash, Sha256(*bytes));
  AppendStringField(records::v1::NormalizedRecord::kBatchIdFieldNumber, batch_id, &*bytes);
  record->stored_bytes = *std::move(bytes);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SqliteIngestStore>> SqliteIngestStore::Open(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<common::Database> db, common::Database::Open(path));
  RETURN_IF_ERROR(db->Migrate(Migrations()));
  std::unique_ptr<common::Database> reader;
  if (!common::Database::InMemory(path)) {
    ASSIGN_OR_RETURN(reader, common::Database::OpenReader(path));
  }
  return std::unique_ptr<SqliteIngestStore>(
      new SqliteIngestStore(std::move(db), std::move(reader)));
}

absl::StatusOr<std::unique_ptr<SqliteIngestStore>> SqliteIngestStore::OpenInDirectory(
    const std::string& data_dir) {
  return Open(absl::StrCat(data_dir, "/ingest.db"));
}

absl::StatusOr<CommitResult> SqliteIngestStore::CommitBatch(const BatchSubmission& batch) {
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

    // Most records are new: each is first inserted if absent, which costs one B-tree descent
    // where looking it up first and then inserting it cost two. Only a record already stored is
    // looked up, compared and maybe replaced.
    ASSIGN_OR_RETURN(
        common::Statement insert_record,
        db_->Prepare("INSERT INTO records (agency, source_record_id, version, content_hash, "
                     "batch_id, normalized) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT (agency, source_record_id) DO NOTHING"));
    ASSIGN_OR_RETURN(common::Statement find_record,
                     db_->Prepare("SELECT version, content_hash FROM records WHERE agency = ?1 "
                                  "AND source_record_id = ?2"));
    ASSIGN_OR_RETURN(
        common::Statement update_record,
        db_->Prepare("UPDATE records SET version = ?3, content_hash = ?4, batch_id = ?5, "
                     "normalized = ?6 WHERE agency = ?1 AND source_record_id = ?2"));
    // Binds a record's row to the insert or the update (the same parameters).
    auto bind_row = [&](common::Statement& statement, const RecordSubmission& record,
                        const RecordSubmission& sealed) -> common::Statement& {
      statement.Reset();
      return statement.Bind(1, batch.agency)
          .Bind(2, record.source_record_id)
          .Bind(3, record.version)
          .BindBlob(4, sealed.content_hash)
          .Bind(5, batch.batch_id)
          .BindBlob(6, sealed.stored_bytes);
    };
    ASSIGN_OR_RETURN(
        common::Statement insert_issue,
        db_->Prepare("INSERT INTO issues (agency, batch_id, seq, record_index, source_record_id, "
                     "field, reason, message, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                     "?9)"));

    // Queued for match-service together after the loop; the views point into `batch` or into
    // sealed_here_list, both alive until then.
    std::vector<std::string_view> forwarded;
    forwarded.reserve(batch.records.size());
    std::deque<RecordSubmission> sealed_here_list;
    v1::SubmitBatchResponse& response = result.response;
    v1::Batch& summary = *response.mutable_batch();
    summary.set_agency(batch.agency);
    summary.set_batch_id(batch.batch_id);
    summary.set_received_time(common::FormatRfc3339(batch.received_time));
    summary.set_record_count(static_cast<int32_t>(batch.records.size()));
    int64_t seq = 0;

    for (const RecordSubmission& record : batch.records) {
      std::vector<v1::RecordIssue> issues = record.issues;
      bool has_warnings = false;
      for (const v1::RecordIssue& issue : issues) {
        if (issue.severity() == v1::SEVERITY_WARNING) has_warnings = true;
      }
      v1::RecordResult outcome = v1::RECORD_RESULT_REJECTED;
      if (!record.rejected) {
        // A record the caller sealed for this batch needs no work here; others are sealed now.
        const RecordSubmission* sealed = &record;
        if (record.content_hash.empty() || record.stored_bytes.empty()) {
          RecordSubmission& sealed_here = sealed_here_list.emplace_back();
          sealed_here.normalized = record.normalized;
          RETURN_IF_ERROR(SealRecord(batch.batch_id, &sealed_here));
          sealed = &sealed_here;
        }
        const std::string& hash = sealed->content_hash;
        RETURN_IF_ERROR(bind_row(insert_record, record, *sealed).Run());
        const bool stored = db_->Changes() == 0;
        bool write = true;
        if (!stored && record.normalized.retracted()) {
          // Kept all the same: the tombstone makes an older version that arrives later stale.
          v1::RecordIssue unknown;
          unknown.set_field("source_record_id");
          unknown.set_reason(reason::kRetractionUnknown);
          unknown.set_message(
              "no record with this source_record_id is stored; the retraction is "
              "kept so that an older version sent later is ignored");
          unknown.set_severity(v1::SEVERITY_WARNING);
          issues.push_back(std::move(unknown));
          has_warnings = true;
        }
        if (stored) {
          find_record.Reset();
          find_record.Bind(1, batch.agency).Bind(2, record.source_record_id);
          ASSIGN_OR_RETURN(bool found, find_record.Step());
          if (!found) return absl::InternalError("a record the insert found is missing");
          int64_t stored_version = find_record.ColumnInt(0);
          if (record.version < stored_version) {
            outcome = v1::RECORD_RESULT_STALE;
            write = false;
          } else if (record.version == stored_version) {
            write = false;
            if (find_record.ColumnBlob(1) == hash) {
              outcome = v1::RECORD_RESULT_UNCHANGED;
            } else {
              v1::RecordIssue conflict;
              conflict.set_field("version");
              conflict.set_reason(reason::kVersionConflict);
              conflict.set_message(
                  "a record with this source_record_id and version is already stored with "
                  "different content; send a higher version");
              conflict.set_severity(v1::SEVERITY_ERROR);
              issues.push_back(std::move(conflict));
            }
          }
        }
        if (write) {
          // A new record is in place already; a newer version replaces the stored one.
          if (stored) RETURN_IF_ERROR(bind_row(update_record, record, *sealed).Run());
          forwarded.push_back(sealed->stored_bytes);
          ++result.enqueued;
          if (record.normalized.retracted()) {
            outcome = v1::RECORD_RESULT_RETRACTED;
          } else {
            outcome = has_warnings ? v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS
                                   : v1::RECORD_RESULT_ACCEPTED;
          }
        }
      }

      switch (outcome) {
        case v1::RECORD_RESULT_ACCEPTED:
          summary.set_accepted_count(summary.accepted_count() + 1);
          break;
        case v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS:
          summary.set_accepted_count(summary.accepted_count() + 1);
          summary.set_warning_count(summary.warning_count() + 1);
          break;
        case v1::RECORD_RESULT_RETRACTED:
          summary.set_retracted_count(summary.retracted_count() + 1);
          break;
        case v1::RECORD_RESULT_UNCHANGED:
        case v1::RECORD_RESULT_STALE:
          summary.set_unchanged_count(summary.unchanged_count() + 1);
          break;
        default:
          summary.set_rejected_count(summary.rejected_count() + 1);
          break;
      }
      v1::RecordOutcome* out = response.add_outcomes();
      out->set_record_index(record.record_index);
      out->set_source_record_id(record.source_record_id);
      out->set_result(outcome);

      for (v1::RecordIssue& issue : issues) {
        issue.set_record_index(record.record_index);
        issue.set_source_record_id(record.source_record_id);
        ++seq;
        insert_issue.Reset();
        insert_issue.Bind(1, batch.agency)
            .Bind(2, batch.batch_id)
            .Bind(3, seq)
            .Bind(4, static_cast<int64_t>(issue.record_index()))
            .Bind(5, issue.source_record_id())
            .Bind(6, issue.field())
            .Bind(7, issue.reason())
            .Bind(8, issue.message())
            .Bind(9, static_cast<int64_t>(issue.severity()));
        RETURN_IF_ERROR(insert_issue.Run());
        if (response.issues_size() < kResponseIssueLimit) {
          *response.add_issues() = std::move(issue);
        }
      }
    }

    RETURN_IF_ERROR(outbox_.EnqueueAll(kMatchTopic, forwarded));

    ASSIGN_OR_RETURN(
        common::Statement insert_batch,
        db_->Prepare("INSERT INTO batches (agency, batch_id, received_time, record_count, "
                     "accepted_count, rejected_count, warning_count, unchanged_count, "
                     "issue_count, response, retracted_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                     "?7, ?8, ?9, ?10, ?11)"));
    insert_batch.Bind(1, batch.agency)
        .Bind(2, batch.batch_id)
        .Bind(3, summary.received_time())
        .Bind(4, static_cast<int64_t>(summary.record_count()))
        .Bind(5, static_cast<int64_t>(summary.accepted_count()))
        .Bind(6, static_cast<int64_t>(summary.rejected_count()))
        .Bind(7, static_cast<int64_t>(summary.warning_count()))
        .Bind(8, static_cast<int64_t>(summary.unchanged_count()))
        .Bind(9, seq);
    ASSIGN_OR_RETURN(std::string response_bytes, SerializeDeterministic(response));
    insert_batch.BindBlob(10, response_bytes)
        .Bind(11, static_cast<int64_t>(summary.retracted_count()));
    return insert_batch.Run();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::optional<v1::SubmitBatchResponse>> SqliteIngestStore::FindResponse(
    const std::string& agency, const std::string& batch_id) {
  std::optional<v1::SubmitBatchResponse> response;
  absl::Status status = reader().Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(response, ReadResponse(reader(), agency, batch_id));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Batch> SqliteIngestStore::GetBatch(const std::string& agency,
                                                      const std::string& batch_id) {
  v1::Batch batch;
  absl::Status status = reader().Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(
        common::Statement select,
        reader().Prepare(
            "SELECT agency, batch_id, received_time, record_count, accepted_count, "
            "rejected_count, warning_count, unchanged_count, retracted_count FROM batches "
            "WHERE agency = ?1 AND batch_id = ?2"));
    select.Bind(1, agency).Bind(2, batch_id);
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) return absl::NotFoundError("batch not found");
    batch = BatchFromRow(select);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return batch;
}

absl::StatusOr<IssuePage> SqliteIngestStore::ListIssues(const std::string& agency,
                                                        const std::string& batch_id,
                                                        int64_t after_seq, int limit) {
  IssuePage page;
  absl::Status status = reader().Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(common::Statement find_batch,
                     reader().Prepare("SELECT 1 FROM batches WHERE agency = ?1 AND batch_id = ?2"));
    find_batch.Bind(1, agency).Bind(2, batch_id);
    ASSIGN_OR_RETURN(bool found, find_batch.Step());
    if (!found) return absl::NotFoundError("batch not found");

    ASSIGN_OR_RETURN(
        common::Statement select,
        reader().Prepare("SELECT seq, record_index, source_record_id, field, reason, message, "
                         "severity FROM issues WHERE agency = ?1 AND batch_id = ?2 AND seq > ?3 "
                         "ORDER BY seq LIMIT ?4"));
    select.Bind(1, agency)
        .Bind(2, batch_id)
        .Bind(3, after_seq)
        .Bind(4, static_cast<int64_t>(limit) + 1);
    int64_t last_seq = 0;
    while (true) {
      ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      if (static_cast<int>(page.issues.size()) == limit) {
        page.next_after_seq = last_seq;
        break;
      }
      last_seq = select.ColumnInt(0);
      v1::RecordIssue& issue = page.issues.emplace_back();
      issue.set_record_index(static_cast<int32_t>(select.ColumnInt(1)));
      issue.set_source_record_id(select.ColumnText(2));
      issue.set_field(select.ColumnText(3));
      issue.set_reason(select.ColumnText(4));
      issue.set_message(select.ColumnText(5));
      issue.set_severity(static_cast<v1::Severity>(select.ColumnInt(6)));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<records::v1::NormalizedRecord> SqliteIngestStore::GetRecord(
    const std::string& agency, const std::string& source_record_id) {
  records::v1::NormalizedRecord record;
  absl::Status status = reader().Run([&]() -> absl::Status {
    ASSIGN_OR_RETURN(common::Statement select,
                     reader().Prepare("SELECT normalized FROM records WHERE agency = ?1 AND "
                                      "source_record_id = ?2"));
    select.Bind(1, agency).Bind(2, source_record_id);
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) return absl::NotFoundError("record not found");
    if (!record.ParseFromString(select.ColumnBlob(0))) {
      return absl::InternalError("stored normalized record cannot be parsed");
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return record;
}

absl::StatusOr<int64_t> SqliteIngestStore::OutboxPending() {
  return reader_outbox_.Pending(kMatchTopic);
}

}  // namespace lifeline::ingest
