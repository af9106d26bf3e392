// Who is calling, as the gateway authenticated them, carried from the gateway to the services.
//
// With caller tokens installed (every server binary, unless started with --insecure_loopback and
// no key file) the caller travels as a short-lived JWT in the `x-lifeline-caller` metadata, signed
// with a key from the caller key file that the gateway, the services and operators' tools share;
// a call without a valid token is refused (UNAUTHENTICATED) and the plain x-lifeline-user/role/
// scope metadata is ignored. A token without a role is an internal caller: a service calling
// another, or an operator's tool.
//
// Without tokens (in-process tests, loopback demo runs that switch it off) the caller is read
// from the plain metadata and a call without it is internal, as before.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "common/auth/jwt.h"

namespace lifeline::common {

class ReloadingKeyFile;

inline constexpr char kCallerTokenHeader[] = "x-lifeline-caller";
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
// Reads the audit log, nothing else.
inline constexpr char kRoleAuditor[] = "auditor";

struct Caller {
  std::string user;
  std::string role;   // empty for internal callers
  std::string scope;  // agency or department code, or region prefixes, when the role has one
  bool internal() const { return role.empty(); }
};

// Signs and verifies caller tokens: HS256 JWTs with issuer "lifeline", audience
// "lifeline-services", claims sub (user), role and scope, valid for two minutes. Thread-safe.
class CallerTokens {
 public:
  static constexpr absl::Duration kLifetime = absl::Minutes(2);

  // Keys from a key file (see key_file.h), re-read when it changes. Errors: those of the file;
  // InvalidArgument when its first key is not HS256 (the signing key).
  static absl::StatusOr<std::shared_ptr<const CallerTokens>> Open(const std::string& key_file);
  // Fixed keys (tests). The first signs.
  static std::shared_ptr<const CallerTokens> FromKeys(std::vector<JwtKey> keys);

  ~CallerTokens();

  // Errors: InvalidArgument if the signing key cannot sign.
  absl::StatusOr<std::string> Sign(const Caller& caller, absl::Time now) const;
  // Errors: Unauthenticated with a short reason (never the token).
  absl::StatusOr<Caller> Verify(std::string_view token, absl::Time now) const;

 private:
  CallerTokens() = default;
  std::shared_ptr<const std::vector<JwtKey>> Keys() const;

  std::unique_ptr<ReloadingKeyFile> file_;
  std::shared_ptr<const std::vector<JwtKey>> fixed_;

  // A caller's token is reused while it has more than half its life left, and a token that
  // verified is remembered until it expires: the gateway sends the same principal's token many
  // times a second, and parsing and checking it again each time cost more than the call.
  struct Signed {
    std::string token;
    absl::Time issued;
    // The keys it was signed with (a rotation signs anew); held, so no other set reuses the
    // address.
    std::shared_ptr<const std::vector<JwtKey>> keys;
  };
  struct Verified {
    Caller caller;
    absl::Time expires;
    std::shared_ptr<const std::vector<JwtKey>> keys;  // what it verified against (held, as above)
  };
  static constexpr size_t kMaxCached = 10000;
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, Signed> signed_;      // by user|role|scope
  mutable std::unordered_map<std::string, Verified> verified_;  // by token
};

// Installs this process's caller tokens (null: none, plain metadata trusted) and the name it
// signs its own calls with. Call once at start-up, before serving or calling.
void InstallCallerTokens(std::shared_ptr<const CallerTokens> tokens, std::string process_name);

// True when incoming calls must carry a caller token.
bool CallerTokensRequired();

// The caller of an incoming call. Errors: Unauthenticated when tokens are installed and the call
// carries no valid token.
absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& context);

// Attaches `caller` to an outgoing call: a fresh token when tokens are installed, plain metadata
// otherwise. Errors: Internal when the token cannot be signed.
absl::Status AttachCaller(const Caller& caller, grpc::ClientContext* context);

// This process acting on its own behalf (user: the installed process name; no role).
Caller InternalCaller();

}  // namespace lifeline::common
