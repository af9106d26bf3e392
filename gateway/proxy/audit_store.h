// The audit index: every audit line, kept in SQLite so that auditors can query it (by user, RPC,
// subject, time, status) at a cost that grows with the page, not with the log. The JSON Lines
// file stays the record of truth: each row remembers where its line ends in the file, and on open
// the index catches up with lines written after the last indexed one (after a crash).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "common/storage/sqlite.h"
#include "gateway/proxy/audit_log.h"

namespace lifeline::gateway {

struct AuditQuery {
  std::string user;
  std::string rpc;
  std::string subject;  // an identifier value (path variable or answered id)
  absl::Time since = absl::InfinitePast();
  absl::Time until = absl::InfiniteFuture();
  int status = 0;                  // 0: any
  int page_size = 100;             // 1..1000
  int64_t before_seq = INT64_MAX;  // keyset paging: entries older than this
};

struct AuditPage {
  std::vector<std::string> lines;  // newest first
  int64_t next_before_seq = 0;     // 0 when there are no more
};

// Thread-safe.
class AuditStore {
 public:
  // Opens (creating) the index at `path`. Errors: those of Database::Open and Migrate.
  static absl::StatusOr<std::unique_ptr<AuditStore>> Open(const std::string& path);

  // Indexes `records` in one transaction. Errors: those of SQLite.
  absl::Status Append(const std::vector<AuditRecord>& records);

  // The file offset just past the last indexed line (0 for an empty index).
  absl::StatusOr<int64_t> IndexedFileEnd();

  absl::StatusOr<AuditPage> List(const AuditQuery& query);

  // Every SQL text List and Append may run (for query-plan tests).
  static std::vector<std::string> StatementsForPlanCheck();

  common::Database* database() { return db_.get(); }

 private:
  explicit AuditStore(std::unique_ptr<common::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<common::Database> db_;
};

// Rebuilds an AuditRecord's entry from its JSON line (for catching up). Errors: InvalidArgument.
absl::StatusOr<AuditEntry> ParseAuditLine(const std::string& line);

}  // namespace lifeline::gateway
