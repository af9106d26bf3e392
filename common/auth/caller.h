// Who is calling, as the gateway authenticated them, carried to the services in gRPC metadata.
// A call without these headers comes from inside the cluster (another service or a tool run by
// an operator) and is trusted as such; the NetworkPolicy keeps others out.
#pragma once

#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

namespace lifeline::common {

inline constexpr char kCallerUserHeader[] = "x-lifeline-user";
inline constexpr char kCallerRoleHeader[] = "x-lifeline-role";
// The agency code (agency_submitter), department code (partner) or comma-separated region
// division-code prefixes (procurator, chief_procurator) the caller acts for.
inline constexpr char kCallerScopeHeader[] = "x-lifeline-scope";

// Roles the gateway knows.
inline constexpr char kRoleAgencySubmitter[] = "agency_submitter";
inline constexpr char kRoleProcurator[] = "procurator";
// A procurator who may also sign off approvals below a clue's floor or above the threshold.
inline constexpr char kRoleChiefProcurator[] = "chief_procurator";
inline constexpr char kRolePartner[] = "partner";
inline constexpr char kRoleAdmin[] = "admin";

struct Caller {
  std::string user;
  std::string role;   // empty for internal callers
  std::string scope;  // agency or department code, or region prefixes, when the role has one
  bool internal() const { return role.empty(); }
};

// Reads the caller from an incoming call's metadata.
inline Caller CallerFromContext(const grpc::ServerContext& context) {
  Caller caller;
  const auto& metadata = context.client_metadata();
  auto read = [&metadata](const char* key) {
    auto it = metadata.find(key);
    return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
  };
  caller.user = read(kCallerUserHeader);
  caller.role = read(kCallerRoleHeader);
  caller.scope = read(kCallerScopeHeader);
  return caller;
}

// Attaches the caller to an outgoing call.
inline void AddCallerMetadata(const Caller& caller, grpc::ClientContext* context) {
  if (!caller.user.empty()) context->AddMetadata(kCallerUserHeader, caller.user);
  if (!caller.role.empty()) context->AddMetadata(kCallerRoleHeader, caller.role);
  if (!caller.scope.empty()) context->AddMetadata(kCallerScopeHeader, caller.scope);
}

}  // namespace lifeline::common
