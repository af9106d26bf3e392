#include "referral-service/rpc/referral_config.h"

#include <set>

#include "absl/strings/str_cat.h"

#include "common/config/yaml_proto.h"
#include "common/status/status_macros.h"
#include "referral-service/domain/partner_rules.h"
#include "referral-service/rpc/referral_mapping.h"

namespace lifeline::referral {

absl::StatusOr<Router> RouterFromConfig(const lifeline::referral::v1::RoutingConfig& config) {
  std::vector<RouteRule> rules;
  for (const auto& route : config.routes()) {
    rules.push_back({route.need(), route.department(), route.service(), route.reason()});
  }
  return Router::Create(std::move(rules));
}

absl::StatusOr<Router> LoadRouter(const std::string& path) {
  lifeline::referral::v1::RoutingConfig config;
  RETURN_IF_ERROR(common::LoadYamlProto(path, &config));
  absl::StatusOr<Router> router = RouterFromConfig(config);
  if (!router.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", router.status().message()));
  }
  return router;
}

absl::StatusOr<std::vector<Partner>> LoadPartnerDirectory(const std::string& path) {
  lifeline::referral::v1::PartnerDirectory directory;
  RETURN_IF_ERROR(common::LoadYamlProto(path, &directory));
  std::vector<Partner> partners;
  std::set<std::string> seen;
  for (int i = 0; i < directory.partners_size(); ++i) {
    Partner partner = FromProto(directory.partners(i));
    if (absl::Status status = ValidatePartner(partner); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": partners[", i, "].", status.message()));
    }
    if (!seen.insert(partner.department).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": partners[", i, "].department: '",
                                                     partner.department, "' is repeated"));
    }
    partners.push_back(std::move(partner));
  }
  return partners;
}

}  // namespace lifeline::referral
