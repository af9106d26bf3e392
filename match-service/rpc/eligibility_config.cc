#include "match-service/rpc/eligibility_config.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/config/yaml_proto.h"
#include "common/status/status_macros.h"

namespace lifeline::match {

absl::StatusOr<EligibilityRules> RulesFromConfig(const v1::EligibilityConfig& config) {
  std::vector<std::string> problems;
  auto require = [&problems](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  require(config.monthly_wage_fen() > 0, "monthly_wage_fen must be > 0");
  require(config.max_months() > 0, "max_months must be > 0");
  require(config.floor_fen() >= 0, "floor_fen must be >= 0");
  require(config.property_loss_threshold_fen() > 0, "property_loss_threshold_fen must be > 0");
  require(config.severe_disability_max_grade() >= 1 && config.severe_disability_max_grade() <= 4,
          "severe_disability_max_grade must be 1..4");
  require(config.has_base_scores(), "base_scores is required");
  const auto& base = config.base_scores();
  require(base.serious_injury() > 0 && base.urgent_treatment() > 0 &&
              base.dependant_of_deceased() > 0 && base.property_loss() > 0,
          "base_scores: every category needs a score > 0");
  for (const auto& [signal, weight] : config.hardship_weights()) {
    require(weight >= 0, absl::StrCat("hardship_weights.", signal, " must be >= 0"));
  }
  require(config.default_hardship_weight() >= 0, "default_hardship_weight must be >= 0");
  require(config.exclusion_factor() > 0 && config.exclusion_factor() <= 1,
          "exclusion_factor must be in (0, 1]");
  require(config.medical_years_current() >= 0, "medical_years_current must be >= 0");
  require(!config.has_household_hardship_factor() ||
              (config.household_hardship_factor() >= 0 && config.household_hardship_factor() <= 1),
          "household_hardship_factor must be in [0, 1]");
  if (config.has_tiers()) {
    require(config.tiers().medium() > 0 && config.tiers().high() > config.tiers().medium(),
            "tiers: need 0 < medium < high");
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("eligibility config: ", absl::StrJoin(problems, "; ")));
  }
  EligibilityRules rules;
  rules.monthly_wage_fen = config.monthly_wage_fen();
  rules.max_months = config.max_months();
  rules.floor_fen = config.floor_fen();
  rules.property_loss_threshold_fen = config.property_loss_threshold_fen();
  rules.severe_disability_max_grade = config.severe_disability_max_grade();
  rules.serious_injury_base = base.serious_injury();
  rules.urgent_treatment_base = base.urgent_treatment();
  rules.dependant_of_deceased_base = base.dependant_of_deceased();
  rules.property_loss_base = base.property_loss();
  rules.hardship_weights.clear();
  for (const auto& [signal, weight] : config.hardship_weights()) {
    rules.hardship_weights[signal] = weight;
  }
  rules.default_hardship_weight = config.default_hardship_weight();
  rules.exclusion_factor = config.exclusion_factor();
  rules.medical_years_current = config.medical_years_current();
  if (config.has_tiers()) {
    rules.tier_high_score = config.tiers().high();
    rules.tier_medium_score = config.tiers().medium();
  }
  if (config.has_household_hardship_factor()) {
    rules.household_hardship_factor = config.household_hardship_factor();
  }
  return rules;
}

absl::StatusOr<EligibilityRules> LoadEligibilityRules(const std::string& path) {
  v1::EligibilityConfig config;
  RETURN_IF_ERROR(common::LoadYamlProto(path, &config));
  return RulesFromConfig(config);
}

}  // namespace lifeline::match
