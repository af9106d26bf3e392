#include "gateway/proxy/audit_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "gateway/domain/http_error.h"
#include "gateway/proxy/audit_store.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lifeline::gateway {

bool IsAuditedVariable(std::string_view name) {
  return name == "agency" || name == "batch_id" || name == "clue_id" || name == "person_id" ||
         name == "plan_id" || name == "referral_id" || name == "department" ||
         name == "partner.department";
}

namespace {

bool IsSubjectField(const std::string& name) {
  return name == "clue_id" || name == "person_id" || name == "plan_id" || name == "referral_id" ||
         name == "batch_id";
}

void CollectSubjects(const google::protobuf::Message& message, std::set<std::string>* seen,
                     std::vector<std::string>* subjects, int depth) {
  if (depth > 16 || subjects->size() >= kMaxAuditSubjects) return;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING &&
        !field->is_repeated() && IsSubjectField(field->name())) {
      std::string subject = absl::StrCat(field->name(), ":", reflection->GetString(message, field));
      if (subjects->size() < kMaxAuditSubjects && seen->insert(subject).second) {
        subjects->push_back(std::move(subject));
      }
    } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CollectSubjects(reflection->GetRepeatedMessage(message, field, i), seen, subjects,
                          depth + 1);
        }
      } else {
        CollectSubjects(reflection->GetMessage(message, field), seen, subjects, depth + 1);
      }
    }
  }
}

}  // namespace

std::vector<std::string> AuditSubjects(const google::protobuf::Message& response) {
  std::set<std::string> seen;
  std::vector<std::string> subjects;
  CollectSubjects(response, &seen, &subjects, 0);
  return subjects;
}

std::vector<std::pair<std::string, std::string>> AuditDecision(
    const google::protobuf::Message& request) {
  using google::protobuf::FieldDescriptor;
  std::vector<std::pair<std::string, std::string>> decision;
  const google::protobuf::Reflection* reflection = request.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(request, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_repeated()) continue;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_ENUM:
        decision.emplace_back(field->name(), reflection->GetEnum(request, field)->name());
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        decision.emplace_back(field->name(), absl::StrCat(reflection->GetInt32(request, field)));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        decision.emplace_back(field->name(), absl::StrCat(reflection->GetInt64(request, field)));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        decision.emplace_back(field->name(), absl::StrCat(reflection->GetUInt32(request, field)));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        decision.emplace_back(field->name(), absl::StrCat(reflection->GetUInt64(request, field)));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        decision.emplace_back(field->name(),
                              reflection->GetBool(request, field) ? "true" : "false");
        break;
      default:
        break;
    }
  }
  return decision;
}

std::string FormatAuditLine(const AuditEntry& entry) {
  std::string ids;
  for (const auto& [name, value] : entry.path_vars) {
    if (!IsAuditedVariable(name)) continue;
    absl::StrAppend(&ids, ids.empty() ? "" : ",", "\"", JsonEscape(name), "\":\"",
                    JsonEscape(value), "\"");
  }
  std::string subjects;
  for (const std::string& subject : entry.subjects) {
    absl::StrAppend(&subjects, subjects.empty() ? "" : ",", "\"", JsonEscape(subject), "\"");
  }
  std::string decision;
  for (const auto& [name, value] : entry.decision) {
    absl::StrAppend(&decision, decision.empty() ? "" : ",", "\"", JsonEscape(name), "\":\"",
                    JsonEscape(value), "\"");
  }
  return absl::StrCat(
      "{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", entry.time, absl::UTCTimeZone()),
      "\",\"user\":\"", JsonEscape(entry.user), "\",\"role\":\"", JsonEscape(entry.role),
      "\",\"method\":\"", JsonEscape(entry.http_method), "\",\"route\":\"", JsonEscape(entry.route),
      "\",\"rpc\":\"", JsonEscape(entry.rpc), "\",\"ids\":{", ids, "}",
      subjects.empty() ? "" : absl::StrCat(",\"subjects\":[", subjects, "]"),
      decision.empty() ? "" : absl::StrCat(",\"decision\":{", decision, "}"),
      ",\"status\":", entry.http_status, "}");
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path,
                                                         AuditStore* store) {
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
  // A line a crash cut short is ended, so that the next entry starts a line of its own.
  {
    std::ifstream tail(path, std::ios::binary | std::ios::ate);
    const std::streamoff size = tail.tellg();
    char last = '\n';
    if (size > 0 && tail.seekg(size - 1).get(last) && last != '\n') {
      if (std::fputc('\n', file) == EOF || std::fflush(file) != 0) {
        std::fclose(file);
        return absl::UnavailableError(absl::StrCat("cannot write audit file ", path));
      }
    }
  }
  std::unique_ptr<AuditLog> log(new AuditLog(file));
  if (store == nullptr) return log;
  log->store_ = store;
  // Lines the index lacks (written after its last commit): index them before anything new.
  absl::StatusOr<int64_t> indexed = store->IndexedFileEnd();
  if (!indexed.ok()) return indexed.status();
  std::ifstream in(path, std::ios::binary);
  in.seekg(*indexed);
  std::vector<AuditRecord> missing;
  int64_t offset = *indexed;
  std::string line;
  int unreadable = 0;
  while (std::getline(in, line)) {
    offset += static_cast<int64_t>(line.size()) + 1;
    if (in.eof()) break;  // a last line without its newline was cut short: not an entry
    absl::StatusOr<AuditEntry> entry = ParseAuditLine(line);
    if (!entry.ok()) {
      ++unreadable;
      continue;
    }
    missing.push_back({*std::move(entry), line, offset});
    if (missing.size() >= 1000) {
      if (absl::Status status = store->Append(missing); !status.ok()) return status;
      missing.clear();
    }
  }
  if (absl::Status status = store->Append(missing); !status.ok()) return status;
  if (offset > *indexed) {
    spdlog::info("event=audit_index_caught_up from={} to={} unreadable={}", *indexed, offset,
                 unreadable);
  }
  log->indexer_ = std::thread([raw = log.get()] { raw->IndexLoop(); });
  return log;
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (indexer_.joinable()) indexer_.join();
  Flush();
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
    return;
  }
  if (store_ == nullptr) return;
  line.pop_back();
  pending_.push_back({entry, std::move(line), static_cast<int64_t>(std::ftell(file_))});
  if (pending_.size() >= 1000) wake_.notify_one();
}

void AuditLog::Flush() {
  if (store_ == nullptr) return;
  std::lock_guard<std::mutex> pass(index_mu_);
  std::vector<AuditRecord> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_);
  }
  if (absl::Status status = store_->Append(batch); !status.ok()) {
    // The lines are in the file; the next start indexes them.
    spdlog::error("event=audit_index_failed entries={} error=\"{}\"", batch.size(),
                  std::string(status.message()));
  }
}

void AuditLog::IndexLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(200),
                     [this] { return stopping_ || pending_.size() >= 1000; });
      if (stopping_) return;
    }
    Flush();
  }
}

int AuditLog::write_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return write_failures_;
}

}  // namespace lifeline::gateway
