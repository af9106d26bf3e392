// Loading the eligibility rules (config/eligibility.yaml, schema
// lifeline.match.v1.EligibilityConfig) into the domain's EligibilityRules.
#pragma once

#include <string>

#include "absl/status/statusor.h"

#include "lifeline/match/v1/match_config.pb.h"
#include "match-service/domain/eligibility_rules.h"

namespace lifeline::match {

// Validates `config` and converts it. Errors: InvalidArgument listing every bad field.
absl::StatusOr<EligibilityRules> RulesFromConfig(const v1::EligibilityConfig& config);

// Reads the YAML rules file and converts it. Errors: NotFound, InvalidArgument.
absl::StatusOr<EligibilityRules> LoadEligibilityRules(const std::string& path);

}  // namespace lifeline::match
