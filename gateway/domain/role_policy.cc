#include "gateway/domain/role_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace lifeline::gateway {
namespace {

constexpr char kIngest[] = "lifeline.ingest.v1.IngestService.";
constexpr char kMatch[] = "lifeline.match.v1.MatchService.";
constexpr char kReferral[] = "lifeline.referral.v1.ReferralService.";

// The short "Service.Method" form used in messages.
std::string ShortName(std::string_view rpc) {
  const size_t method_dot = rpc.rfind('.');
  if (method_dot == std::string_view::npos || method_dot == 0) return std::string(rpc);
  const size_t service_dot = rpc.rfind('.', method_dot - 1);
  return std::string(service_dot == std::string_view::npos ? rpc : rpc.substr(service_dot + 1));
}

}  // namespace

bool IsKnownRole(std::string_view role) {
  return role == kRoleAgencySubmitter || role == kRoleProcurator || role == kRoleChiefProcurator ||
         role == kRolePartner || role == kRoleAdmin || role == kRoleAuditor;
}

bool RoleNeedsScope(std::string_view role) {
  return role == kRoleAgencySubmitter || role == kRolePartner || role == kRoleProcurator ||
         role == kRoleChiefProcurator;
}

RolePolicy RolePolicy::Default() {
  RolePolicy policy;
  const Rule submitter_or_admin{{kRoleAdmin}, {{kRoleAgencySubmitter, "agency"}}};
  for (const char* method : {"SubmitBatch", "GetBatch", "ListRejections"}) {
    policy.SetRule(absl::StrCat(kIngest, method), submitter_or_admin);
  }
  const Rule procurator_or_admin{{kRoleProcurator, kRoleChiefProcurator, kRoleAdmin}, {}};
  for (const char* method :
       {"GetPerson", "SearchPersons", "ListClues", "GetClue", "ReviewClue", "Rescore",
        "ListPossibleMatches", "ResolvePossibleMatch", "ExplainPair", "GetLinkModel"}) {
    policy.SetRule(absl::StrCat(kMatch, method), procurator_or_admin);
  }
  policy.SetRule(absl::StrCat(kReferral, "GetPlan"), procurator_or_admin);
  policy.SetRule(absl::StrCat(kReferral, "AddReferral"), procurator_or_admin);
  const Rule referral_parties{{kRolePartner, kRoleProcurator, kRoleChiefProcurator, kRoleAdmin},
                              {}};
  policy.SetRule(absl::StrCat(kReferral, "ListReferrals"), referral_parties);
  policy.SetRule(absl::StrCat(kReferral, "RequestVerification"), procurator_or_admin);
  policy.SetRule(absl::StrCat(kReferral, "ListVerifications"), referral_parties);
  // The office asked answers (referral-service checks it is the verification's department).
  policy.SetRule(absl::StrCat(kReferral, "AnswerVerification"), {{kRolePartner}, {}});
  policy.SetRule(absl::StrCat(kReferral, "TransitionReferral"), referral_parties);
  const Rule admin_only{{kRoleAdmin}, {}};
  // Re-resolving every record from scratch is an operator's step.
  policy.SetRule(absl::StrCat(kMatch, "Relink"), admin_only);
  for (const char* method :
       {"ListPartners", "GetPartner", "UpsertPartner", "DeletePartner", "ListPartnerChanges",
        "ListUndeliverable", "RetryDelivery", "RetryVerificationDelivery"}) {
    policy.SetRule(absl::StrCat(kReferral, method), admin_only);
  }
  // Departments poll their own feed (referral-service scopes it to the caller's department).
  policy.SetRule(absl::StrCat(kReferral, "ListChanges"), referral_parties);
  // Auditors read the audit log and nothing else; admins may too.
  policy.SetRule("lifeline.gateway.v1.AuditService.ListAuditEntries",
                 {{kRoleAuditor, kRoleAdmin}, {}});
  return policy;
}

void RolePolicy::SetRule(std::string rpc, Rule rule) { rules_[std::move(rpc)] = std::move(rule); }

bool RolePolicy::Covers(std::string_view rpc) const { return rules_.find(rpc) != rules_.end(); }

absl::Status RolePolicy::Authorize(std::string_view rpc, const Principal& caller,
                                   const PathVars& vars) const {
  auto it = rules_.find(rpc);
  if (it == rules_.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat(ShortName(rpc), " is not available through the gateway"));
  }
  const Rule& rule = it->second;
  if (std::find(rule.roles.begin(), rule.roles.end(), caller.role) != rule.roles.end()) {
    return absl::OkStatus();
  }
  bool role_listed = false;
  for (const auto& [role, variable] : rule.scoped_roles) {
    if (role != caller.role) continue;
    role_listed = true;
    std::optional<std::string_view> value = FindVar(vars, variable);
    if (value.has_value() && !caller.scope.empty() && *value == caller.scope) {
      return absl::OkStatus();
    }
  }
  if (role_listed) {
    return absl::PermissionDeniedError(absl::StrCat("role ", caller.role, " may call ",
                                                    ShortName(rpc), " only for its own scope"));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "role ", caller.role.empty() ? "(none)" : caller.role, " may not call ", ShortName(rpc)));
}

std::vector<FieldOverride> RolePolicy::Overrides(std::string_view rpc, const Principal& caller) {
  std::vector<FieldOverride> overrides;
  if (rpc == absl::StrCat(kMatch, "ReviewClue")) {
    overrides.push_back({"reviewer", caller.user});
  } else if ((rpc == absl::StrCat(kReferral, "ListReferrals") ||
              rpc == absl::StrCat(kReferral, "ListChanges") ||
              rpc == absl::StrCat(kReferral, "ListVerifications")) &&
             caller.role == kRolePartner) {
    overrides.push_back({"department", caller.scope});
  }
  return overrides;
}

}  // namespace lifeline::gateway
