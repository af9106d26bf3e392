// lifeline.gateway.v1.AuditService: the audit index, served by the gateway itself to auditors
// (through its own HTTP routes, like every other RPC).
#pragma once

#include <grpcpp/grpcpp.h>

#include "gateway/proxy/audit_log.h"
#include "gateway/proxy/audit_store.h"
#include "lifeline/gateway/v1/audit_service.grpc.pb.h"

namespace lifeline::gateway {

// Callers: internal, admin and auditor; others PERMISSION_DENIED. Thread-safe. Neither pointer is
// owned.
class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  AuditServiceImpl(AuditStore* store, AuditLog* log) : store_(store), log_(log) {}

  grpc::Status ListAuditEntries(grpc::ServerContext* context,
                                const v1::ListAuditEntriesRequest* request,
                                v1::ListAuditEntriesResponse* response) override;

 private:
  AuditStore* store_;
  AuditLog* log_;
};

}  // namespace lifeline::gateway
