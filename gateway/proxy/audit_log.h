// The gateway's audit log: one JSON line per request that reached an upstream or was denied.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

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
  int http_status = 0;
};

// Returns true for path variables that are identifiers safe to audit: agency, batch_id, clue_id,
// person_id, plan_id, referral_id, department, partner.department.
bool IsAuditedVariable(std::string_view name);

// Formats one entry as a single JSON line (without the newline).
std::string FormatAuditLine(const AuditEntry& entry);

// Appends entries to a file, one line each, flushed per line. Thread-safe.
class AuditLog {
 public:
  // Opens `path` for appending, creating its directory. Errors: Unavailable.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `entry`; a write failure is logged (without the entry) and counted, never fatal.
  void Write(const AuditEntry& entry);

  int write_failures() const;

 private:
  explicit AuditLog(std::FILE* file) : file_(file) {}
  mutable std::mutex mu_;
  std::FILE* file_;         // guarded by mu_
  int write_failures_ = 0;  // guarded by mu_
};

}  // namespace lifeline::gateway
