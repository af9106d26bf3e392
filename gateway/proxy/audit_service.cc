#include "gateway/proxy/audit_service.h"

#include <string>

#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "common/auth/caller.h"
#include "common/server/admit.h"
#include "common/status/grpc_status.h"

namespace lifeline::gateway {
namespace {

absl::Status ParseTimeField(const std::string& text, const char* name, absl::Time* time) {
  if (text.empty()) return absl::OkStatus();
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be an RFC 3339 time such as 2026-12-04T08:00:00Z"));
  }
  return absl::OkStatus();
}

absl::Status List(AuditStore* store, AuditLog* log, const v1::ListAuditEntriesRequest& request,
                  v1::ListAuditEntriesResponse* response) {
  AuditQuery query;
  query.user = request.user();
  query.rpc = request.rpc();
  query.subject = request.subject();
  query.status = request.status();
  if (absl::Status s = ParseTimeField(request.since(), "since", &query.since); !s.ok()) return s;
  if (absl::Status s = ParseTimeField(request.until(), "until", &query.until); !s.ok()) return s;
  if (request.page_size() < 0 || request.page_size() > 1000) {
    return absl::InvalidArgumentError("page_size must be between 0 and 1000 (0: 100)");
  }
  query.page_size = request.page_size() == 0 ? 100 : request.page_size();
  if (!request.page_token().empty()) {
    int64_t before = 0;
    if (!absl::SimpleAtoi(request.page_token(), &before) || before <= 0) {
      return absl::InvalidArgumentError("page_token is not one this service gave");
    }
    query.before_seq = before;
  }
  // What was just written is part of the answer.
  if (log != nullptr) log->Flush();
  absl::StatusOr<AuditPage> page = store->List(query);
  if (!page.ok()) return page.status();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  for (const std::string& line : page->lines) {
    if (!google::protobuf::util::JsonStringToMessage(line, response->add_entries(), options).ok()) {
      return absl::InternalError("an audit line does not parse");
    }
  }
  if (page->next_before_seq != 0)
    response->set_next_page_token(absl::StrCat(page->next_before_seq));
  return absl::OkStatus();
}

}  // namespace

grpc::Status AuditServiceImpl::ListAuditEntries(grpc::ServerContext* context,
                                                const v1::ListAuditEntriesRequest* request,
                                                v1::ListAuditEntriesResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = common::AdmitCall(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  const common::Caller& caller = *authenticated;
  if (!caller.internal() && caller.role != common::kRoleAdmin &&
      caller.role != common::kRoleAuditor) {
    return common::ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat("role ", caller.role, " may not read the audit log")));
  }
  return common::ToGrpcStatus(List(store_, log_, *request, response));
}

}  // namespace lifeline::gateway
