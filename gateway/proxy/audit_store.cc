#include "gateway/proxy/audit_store.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

#include "lifeline/gateway/v1/audit_service.pb.h"

namespace lifeline::gateway {
namespace {

const std::vector<common::Migration>& Migrations() {
  static const auto* migrations = new std::vector<common::Migration>{{1,
                                                                      R"sql(
CREATE TABLE audit_entries (
  seq INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  user TEXT NOT NULL,
  rpc TEXT NOT NULL,
  status INTEGER NOT NULL,
  file_end INTEGER NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit_entries (time_us);
CREATE INDEX audit_by_user ON audit_entries (user, seq);
CREATE INDEX audit_by_rpc ON audit_entries (rpc, seq);
CREATE INDEX audit_by_status ON audit_entries (status, seq);
CREATE INDEX audit_by_file_end ON audit_entries (file_end);
CREATE TABLE audit_subjects (
  subject TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (subject, seq)
) WITHOUT ROWID;
)sql",
                                                                      nullptr}};
  return *migrations;
}

constexpr char kInsertEntry[] =
    "INSERT INTO audit_entries (time_us, user, rpc, status, file_end, line) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kInsertSubject[] =
    "INSERT OR IGNORE INTO audit_subjects (subject, seq) VALUES (?1, ?2)";
constexpr char kFileEnd[] = "SELECT MAX(file_end) FROM audit_entries";
constexpr char kFirstSeqSince[] = "SELECT MIN(seq) FROM audit_entries WHERE time_us >= ?1";
constexpr char kLastSeqBefore[] = "SELECT MAX(seq) FROM audit_entries WHERE time_us < ?1";

// The listing statement for the filters present: the most selective one drives (subject, user,
// RPC, status, else the primary key), the others are checked on the rows it finds.
std::string ListSql(const AuditQuery& query) {
  std::vector<std::string> where = {"e.seq BETWEEN ?1 AND ?2"};
  std::string from = "audit_entries e";
  std::string order = "e.seq";
  if (!query.subject.empty()) {
    from = "audit_subjects s JOIN audit_entries e ON e.seq = s.seq";
    where = {"s.subject = ?3", "s.seq BETWEEN ?1 AND ?2"};
    order = "s.seq";
  }
  if (!query.user.empty()) where.push_back("e.user = ?4");
  if (!query.rpc.empty()) where.push_back("e.rpc = ?5");
  if (query.status != 0) where.push_back("e.status = ?6");
  return absl::StrCat("SELECT e.seq, e.line FROM ", from, " WHERE ", absl::StrJoin(where, " AND "),
                      " ORDER BY ", order, " DESC LIMIT ?7");
}

// The identifiers an entry is findable by: its identifier path variables and what it answered.
std::set<std::string> SubjectsOf(const AuditEntry& entry) {
  std::set<std::string> subjects;
  for (const auto& [name, value] : entry.path_vars) {
    if (IsAuditedVariable(name) && !value.empty()) subjects.insert(value);
  }
  for (const std::string& subject : entry.subjects) {
    const size_t colon = subject.find(':');
    subjects.insert(colon == std::string::npos ? subject : subject.substr(colon + 1));
  }
  return subjects;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(const std::string& path) {
  auto db = common::Database::Open(path);
  if (!db.ok()) return db.status();
  if (absl::Status status = (*db)->Migrate(Migrations()); !status.ok()) return status;
  return std::unique_ptr<AuditStore>(new AuditStore(*std::move(db)));
}

absl::Status AuditStore::Append(const std::vector<AuditRecord>& records) {
  if (records.empty()) return absl::OkStatus();
  return db_->InTransaction([&]() -> absl::Status {
    for (const AuditRecord& record : records) {
      if (absl::Status status =
              db_->Execute(kInsertEntry, absl::ToUnixMicros(record.entry.time), record.entry.user,
                           record.entry.rpc, static_cast<int64_t>(record.entry.http_status),
                           record.file_end, record.line);
          !status.ok()) {
        return status;
      }
      const int64_t seq = db_->LastInsertRowId();
      for (const std::string& subject : SubjectsOf(record.entry)) {
        if (absl::Status status = db_->Execute(kInsertSubject, subject, seq); !status.ok()) {
          return status;
        }
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> AuditStore::IndexedFileEnd() {
  int64_t end = 0;
  absl::Status status = db_->Run([&]() -> absl::Status {
    auto row = db_->QueryOne(kFileEnd, [](const common::Statement& r) {
      return r.ColumnIsNull(0) ? int64_t{0} : r.ColumnInt(0);
    });
    if (!row.ok()) return row.status();
    end = row->value_or(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return end;
}

absl::StatusOr<AuditPage> AuditStore::List(const AuditQuery& query) {
  AuditPage page;
  absl::Status status = db_->Run([&]() -> absl::Status {
    int64_t low = 0;
    int64_t high = query.before_seq - 1;
    auto bound = [&](const char* sql, absl::Time time,
                     int64_t fallback) -> absl::StatusOr<int64_t> {
      auto row = db_->QueryOne(
          sql,
          [fallback](const common::Statement& r) {
            return r.ColumnIsNull(0) ? fallback : r.ColumnInt(0);
          },
          absl::ToUnixMicros(time));
      if (!row.ok()) return row.status();
      return row->value_or(fallback);
    };
    if (query.since != absl::InfinitePast()) {
      auto first = bound(kFirstSeqSince, query.since, INT64_MAX);
      if (!first.ok()) return first.status();
      low = *first;
    }
    if (query.until != absl::InfiniteFuture()) {
      auto last = bound(kLastSeqBefore, query.until, -1);
      if (!last.ok()) return last.status();
      high = std::min(high, *last);
    }
    if (low > high) return absl::OkStatus();
    const int limit = std::clamp(query.page_size, 1, 1000);
    int64_t shown_seq = 0;
    auto rows = db_->ForEachRow(
        ListSql(query),
        [&](const common::Statement& row) {
          if (static_cast<int>(page.lines.size()) < limit) shown_seq = row.ColumnInt(0);
          page.lines.push_back(row.ColumnText(1));
        },
        low, high, query.subject, query.user, query.rpc, static_cast<int64_t>(query.status),
        static_cast<int64_t>(limit + 1));
    if (!rows.ok()) return rows;
    if (static_cast<int>(page.lines.size()) > limit) {
      // One more row than asked for says there is a next page: it starts below the last shown.
      page.lines.pop_back();
      page.next_before_seq = shown_seq;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

std::vector<std::string> AuditStore::StatementsForPlanCheck() {
  std::vector<std::string> sql = {kInsertEntry, kInsertSubject, kFileEnd, kFirstSeqSince,
                                  kLastSeqBefore};
  for (int mask = 0; mask < 16; ++mask) {
    AuditQuery query;
    if (mask & 1) query.subject = "s";
    if (mask & 2) query.user = "u";
    if (mask & 4) query.rpc = "r";
    if (mask & 8) query.status = 200;
    sql.push_back(ListSql(query));
  }
  return sql;
}

absl::StatusOr<AuditEntry> ParseAuditLine(const std::string& line) {
  v1::AuditEntry proto;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(line, &proto, options).ok()) {
    return absl::InvalidArgumentError("audit line is not an audit entry");
  }
  AuditEntry entry;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, proto.time(), &entry.time, &error)) {
    return absl::InvalidArgumentError("audit line has no valid time");
  }
  entry.user = proto.user();
  entry.role = proto.role();
  entry.http_method = proto.method();
  entry.route = proto.route();
  entry.rpc = proto.rpc();
  for (const auto& [name, value] : proto.ids()) entry.path_vars.emplace_back(name, value);
  entry.subjects.assign(proto.subjects().begin(), proto.subjects().end());
  for (const auto& [name, value] : proto.decision()) entry.decision.emplace_back(name, value);
  entry.http_status = proto.status();
  return entry;
}

}  // namespace lifeline::gateway
