#include "gateway/proxy/audit_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "gateway/domain/http_error.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lifeline::gateway {

bool IsAuditedVariable(std::string_view name) {
  return name == "agency" || name == "batch_id" || name == "clue_id" || name == "person_id" ||
         name == "plan_id" || name == "referral_id" || name == "department" ||
         name == "partner.department";
}

std::string FormatAuditLine(const AuditEntry& entry) {
  std::string ids;
  for (const auto& [name, value] : entry.path_vars) {
    if (!IsAuditedVariable(name)) continue;
    absl::StrAppend(&ids, ids.empty() ? "" : ",", "\"", JsonEscape(name), "\":\"",
                    JsonEscape(value), "\"");
  }
  return absl::StrCat(
      "{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", entry.time, absl::UTCTimeZone()),
      "\",\"user\":\"", JsonEscape(entry.user), "\",\"role\":\"", JsonEscape(entry.role),
      "\",\"method\":\"", JsonEscape(entry.http_method), "\",\"route\":\"", JsonEscape(entry.route),
      "\",\"rpc\":\"", JsonEscape(entry.rpc), "\",\"ids\":{", ids,
      "},\"status\":", entry.http_status, "}");
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  const std::filesystem::path file_path(path);
  if (file_path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file_path.parent_path(), ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot create the directory of audit file ", path, ": ", ec.message()));
    }
  }
  // Who read whose data is itself personal: the log is its owner's alone (0600), an older file
  // narrowed too.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  std::FILE* file = nullptr;
  if (fd >= 0) {
    if (::fchmod(fd, 0600) != 0 || (file = ::fdopen(fd, "a")) == nullptr) ::close(fd);
  }
  if (file == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot open audit file ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(file));
}

AuditLog::~AuditLog() {
  std::lock_guard<std::mutex> lock(mu_);
  std::fclose(file_);
}

void AuditLog::Write(const AuditEntry& entry) {
  std::string line = FormatAuditLine(entry);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    ++write_failures_;
    spdlog::error("event=audit_write_failed failures={}", write_failures_);
  }
}

int AuditLog::write_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return write_failures_;
}

}  // namespace lifeline::gateway
