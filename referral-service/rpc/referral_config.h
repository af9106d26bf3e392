// Loading referral-service's rule files (YAML whose schema is lifeline.referral.v1 config
// messages) into domain objects.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "lifeline/referral/v1/referral_config.pb.h"
#include "referral-service/domain/referral.h"
#include "referral-service/domain/router.h"

namespace lifeline::referral {

// Builds a Router from a routing config. Errors: InvalidArgument naming the bad row.
absl::StatusOr<Router> RouterFromConfig(const lifeline::referral::v1::RoutingConfig& config);

// Reads config/referral.yaml. Errors: NotFound, InvalidArgument (syntax, unknown key, bad row).
absl::StatusOr<Router> LoadRouter(const std::string& path);

// Reads config/partners.yaml and validates every entry. Errors: NotFound, InvalidArgument
// (syntax, unknown key, invalid or duplicate department).
absl::StatusOr<std::vector<Partner>> LoadPartnerDirectory(const std::string& path);

}  // namespace lifeline::referral
