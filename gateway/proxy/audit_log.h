// The gateway's audit log: one JSON line per request that reached an upstream or was denied,
// appended to a file (the record of truth, for log shipping) and indexed for auditors' queries
// (audit_store.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "gateway/domain/route_template.h"

namespace lifeline::gateway {

// What one audit line records. Never request or response bodies.
struct AuditEntry {
  absl::Time time;
  std::string user;  // empty when the caller was not authenticated
  std::string role;
  std::string http_method;
  std::string route;   // path template, e.g. "/v1/clues/{clue_id}:review"
  std::string rpc;     // "lifeline.match.v1.MatchService.ReviewClue"
  PathVars path_vars;  // only identifier variables are written (see IsAuditedVariable)
  // What was read: identifier fields of the answer, "<field>:<id>" (at most kMaxAuditSubjects).
  std::vector<std::string> subjects;
  // What was decided: the enum, number and flag fields of a changing request (never free text).
  std::vector<std::pair<std::string, std::string>> decision;
  int http_status = 0;
};

inline constexpr size_t kMaxAuditSubjects = 200;

// One line to index: the entry, its JSON line, and the file offset just past it.
struct AuditRecord {
  AuditEntry entry;
  std::string line;
  int64_t file_end = 0;
};

// Returns true for path variables that are identifiers safe to audit: agency, batch_id, clue_id,
// person_id, plan_id, referral_id, department, partner.department.
bool IsAuditedVariable(std::string_view name);

// The identifiers an answer holds, anywhere in it: "<field>:<id>" for every clue_id, person_id,
// plan_id, referral_id and batch_id, each once, at most kMaxAuditSubjects.
std::vector<std::string> AuditSubjects(const google::protobuf::Message& response);

// What a changing request decided: its top-level enum (by value name), integer and bool fields
// that are set, by field name. Free text (notes, reasons) is never included.
std::vector<std::pair<std::string, std::string>> AuditDecision(
    const google::protobuf::Message& request);

// Formats one entry as a single JSON line (without the newline).
std::string FormatAuditLine(const AuditEntry& entry);

class AuditStore;

// Appends entries to a file, one line each, flushed per line, and (when it has a store) indexes
// them from a background thread within about 200 ms. Thread-safe.
class AuditLog {
 public:
  // Opens `path` for appending, creating its directory. With `store`, first indexes the lines the
  // store lacks (written after its last commit, before a crash), then indexes every new line.
  // Errors: Unavailable; those of the store.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path,
                                                        AuditStore* store = nullptr);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `entry`; a write failure is logged (without the entry) and counted, never fatal.
  void Write(const AuditEntry& entry);

  int write_failures() const;

  // Indexes everything written so far (tests; the destructor does it too).
  void Flush();

 private:
  explicit AuditLog(std::FILE* file) : file_(file) {}
  void IndexLoop();

  mutable std::mutex mu_;
  std::FILE* file_;         // guarded by mu_
  int write_failures_ = 0;  // guarded by mu_
  AuditStore* store_ = nullptr;
  std::vector<AuditRecord> pending_;  // guarded by mu_
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread indexer_;
  std::mutex index_mu_;  // one indexing pass at a time
};

}  // namespace lifeline::gateway
