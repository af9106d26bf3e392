#include "match-service/rpc/eligibility_config.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/config/yaml_proto.h"
#include "common/status/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

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
  require(!config.has_injury_appraisal_severe_max_grade() ||
              (config.injury_appraisal_severe_max_grade() >= 1 &&
               config.injury_appraisal_severe_max_grade() <= 10),
          "injury_appraisal_severe_max_grade must be 1..10");
  require(config.has_base_scores(), "base_scores is required");
  const auto& base = config.base_scores();
  require(base.serious_injury() > 0 && base.urgent_treatment() > 0 &&
              base.dependant_of_deceased() > 0 && base.property_loss() > 0 && base.civil_tort() > 0,
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
  require(!config.has_case_hardship_years() ||
              (config.case_hardship_years() >= 0 && config.case_hardship_years() <= 10),
          "case_hardship_years must be 0..10");
  require(config.has_amount(), "amount is required");
  const v1::AmountRules& amount = config.amount();
  std::set<std::pair<std::string, int32_t>> wage_keys;
  for (int i = 0; i < amount.wages_size(); ++i) {
    const v1::WageRow& row = amount.wages(i);
    const std::string at = absl::StrCat("amount.wages[", i, "]");
    require(row.region().size() >= 2 && row.region().size() <= 6 &&
                std::all_of(row.region().begin(), row.region().end(),
                            [](char c) { return c >= '0' && c <= '9'; }),
            absl::StrCat(at, ".region must be 2 to 6 digits"));
    require(row.year() >= 1990 && row.year() <= 2100, absl::StrCat(at, ".year must be 1990..2100"));
    require(row.monthly_wage_fen() > 0, absl::StrCat(at, ".monthly_wage_fen must be > 0"));
    require(wage_keys.emplace(row.region(), row.year()).second,
            absl::StrCat(at, " repeats region ", row.region(), " year ", row.year()));
  }
  const auto& months = amount.months();
  require(amount.has_months() && months.serious_injury() > 0 && months.urgent_treatment() > 0 &&
              months.dependant_of_deceased() > 0 && months.property_loss() > 0 &&
              months.civil_tort() > 0,
          "amount.months: every category needs months > 0");
  require(months.serious_injury() <= config.max_months() &&
              months.urgent_treatment() <= config.max_months() &&
              months.dependant_of_deceased() <= config.max_months() &&
              months.property_loss() <= config.max_months() &&
              months.civil_tort() <= config.max_months(),
          "amount.months: no category may exceed max_months");
  require(amount.has_very_hardship() && amount.has_extreme_hardship() &&
              amount.very_hardship().min_weight() > 0 &&
              amount.extreme_hardship().min_weight() > amount.very_hardship().min_weight() &&
              amount.very_hardship().extra_months() >= 0 &&
              amount.extreme_hardship().extra_months() >= amount.very_hardship().extra_months(),
          "amount: need 0 < very_hardship.min_weight < extreme_hardship.min_weight and "
          "0 <= very_hardship.extra_months <= extreme_hardship.extra_months");
  for (const auto& [group, extra] : amount.uplift_months()) {
    require(group == "minor" || group == "disability" || group == "women_difficulty" ||
                group == "veteran",
            absl::StrCat("amount.uplift_months.", group,
                         ": groups are minor, disability, women_difficulty, veteran"));
    require(extra >= 0, absl::StrCat("amount.uplift_months.", group, " must be >= 0"));
  }
  require(amount.approval_threshold_fen() >= config.floor_fen(),
          "amount.approval_threshold_fen must be >= floor_fen");
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
  if (config.has_injury_appraisal_severe_max_grade()) {
    rules.injury_appraisal_severe_max_grade = config.injury_appraisal_severe_max_grade();
  }
  rules.serious_injury_base = base.serious_injury();
  rules.urgent_treatment_base = base.urgent_treatment();
  rules.dependant_of_deceased_base = base.dependant_of_deceased();
  rules.property_loss_base = base.property_loss();
  rules.civil_tort_base = base.civil_tort();
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
  if (config.has_case_hardship_years()) rules.case_hardship_years = config.case_hardship_years();
  rules.wages.clear();
  for (const v1::WageRow& row : amount.wages()) {
    rules.wages.push_back(WageRow{row.region(), row.year(), row.monthly_wage_fen()});
  }
  rules.serious_injury_months = months.serious_injury();
  rules.urgent_treatment_months = months.urgent_treatment();
  rules.dependant_of_deceased_months = months.dependant_of_deceased();
  rules.property_loss_months = months.property_loss();
  rules.civil_tort_months = months.civil_tort();
  rules.very_hardship_weight = amount.very_hardship().min_weight();
  rules.very_hardship_months = amount.very_hardship().extra_months();
  rules.extreme_hardship_weight = amount.extreme_hardship().min_weight();
  rules.extreme_hardship_months = amount.extreme_hardship().extra_months();
  rules.uplift_months.clear();
  for (const auto& [group, extra] : amount.uplift_months()) rules.uplift_months[group] = extra;
  rules.approval_threshold_fen = amount.approval_threshold_fen();
  return rules;
}

std::string RulesFingerprint(const v1::EligibilityConfig& config) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    config.SerializeToCodedStream(&coded);
  }
  return absl::StrCat(kScoringVersion, ":", absl::BytesToHexString(bytes));
}

absl::StatusOr<LoadedRules> LoadEligibilityFile(const std::string& path) {
  v1::EligibilityConfig config;
  RETURN_IF_ERROR(common::LoadYamlProto(path, &config));
  ASSIGN_OR_RETURN(EligibilityRules rules, RulesFromConfig(config));
  return LoadedRules{std::move(rules), RulesFingerprint(config)};
}

}  // namespace lifeline::match
