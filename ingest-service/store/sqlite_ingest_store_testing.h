// Test-only reads of a SqliteIngestStore's database: rows that no RPC returns.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

#include "common/storage/sqlite.h"
#include "ingest-service/store/sqlite_ingest_store.h"

namespace lifeline::ingest {

// Returns the stored normalized record of (agency, source_record_id). Errors: NotFound, and the
// database's.
inline absl::StatusOr<records::v1::NormalizedRecord> ReadStoredRecord(
    SqliteIngestStore& store, const std::string& agency, const std::string& source_record_id) {
  common::Database& db = *store.ConnectionsForTesting().front();
  std::optional<std::string> bytes;
  absl::Status status = db.Run([&]() -> absl::Status {
    absl::StatusOr<std::optional<std::string>> row = db.QueryOne(
        "SELECT normalized FROM records WHERE agency = ?1 AND source_record_id = ?2",
        [](const common::Statement& found) { return found.ColumnBlob(0); }, agency,
        source_record_id);
    if (!row.ok()) return row.status();
    bytes = *std::move(row);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!bytes.has_value()) return absl::NotFoundError("record not found");
  records::v1::NormalizedRecord record;
  if (!record.ParseFromString(*bytes)) return absl::InternalError("stored record unreadable");
  return record;
}

}  // namespace lifeline::ingest
