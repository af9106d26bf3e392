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

// The scoring code's version, part of the rules fingerprint: bump it with a change to the scorer
// that changes clues, so that the next start re-scores every clue.
inline constexpr int kScoringVersion = 6;

// Names the rules and the scoring code ("<version>:<hex of the config's deterministic bytes>"):
// equal for equal configs whatever the YAML's layout or comments.
std::string RulesFingerprint(const v1::EligibilityConfig& config);

// The rules of a YAML file with their fingerprint.
struct LoadedRules {
  EligibilityRules rules;
  std::string fingerprint;
};
// Errors: NotFound, InvalidArgument.
absl::StatusOr<LoadedRules> LoadEligibilityFile(const std::string& path);

}  // namespace lifeline::match
