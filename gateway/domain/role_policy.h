// Who may call which public RPC through the gateway, and which request fields the gateway fills
// from the caller instead of trusting the body.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

#include "gateway/domain/route_template.h"

namespace lifeline::gateway {

// Role names; the same strings as common/auth/caller.h (which domain/ may not include).
inline constexpr char kRoleAgencySubmitter[] = "agency_submitter";
inline constexpr char kRoleProcurator[] = "procurator";
inline constexpr char kRoleChiefProcurator[] = "chief_procurator";
inline constexpr char kRolePartner[] = "partner";
inline constexpr char kRoleAdmin[] = "admin";
inline constexpr char kRoleAuditor[] = "auditor";

// Returns true for the six role names above.
bool IsKnownRole(std::string_view role);

// Returns true when the role acts for an agency, a department or regions (a procurator's
// comma-separated division-code prefixes, which match-service checks) and so needs a scope.
bool RoleNeedsScope(std::string_view role);

// An authenticated caller.
struct Principal {
  std::string user;
  std::string role;
  // Agency code (agency_submitter), department code (partner) or region prefixes (procurator,
  // chief_procurator); empty for admin.
  std::string scope;
};

// A request field the gateway sets from the caller, overriding whatever the client sent.
struct FieldOverride {
  std::string field;  // field path in the request message, e.g. "reviewer"
  std::string value;
};

// Access rules keyed by fully qualified RPC name ("lifeline.match.v1.MatchService.ReviewClue").
// An RPC without a rule is denied to everyone. Immutable after construction; thread-safe.
class RolePolicy {
 public:
  // One RPC's rule: roles allowed outright, plus roles allowed only when their scope equals the
  // value of a path variable (an agency submitter acting for its own agency).
  struct Rule {
    std::vector<std::string> roles;
    std::vector<std::pair<std::string, std::string>> scoped_roles;  // (role, path variable)
  };

  // The rules of Lifeline's public API (see gateway/README.md for the table).
  static RolePolicy Default();

  // Sets the rule of one RPC, replacing any earlier one.
  void SetRule(std::string rpc, Rule rule);

  // True when `rpc` has a rule.
  bool Covers(std::string_view rpc) const;

  // Checks that `caller` may call `rpc` with these path variables. Errors: PermissionDenied
  // naming the role and RPC (never the caller's user id).
  absl::Status Authorize(std::string_view rpc, const Principal& caller, const PathVars& vars) const;

  // Returns the fields the gateway sets from the caller for `rpc`: ReviewClue's reviewer (the
  // user), TransitionReferral's actor (a partner's department, otherwise the user) and, for a
  // partner, ListReferrals' department (so a department sees only its own referrals).
  static std::vector<FieldOverride> Overrides(std::string_view rpc, const Principal& caller);

 private:
  std::map<std::string, Rule, std::less<>> rules_;
};

}  // namespace lifeline::gateway
