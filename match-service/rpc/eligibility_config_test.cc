#include "match-service/rpc/eligibility_config.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "common/config/yaml_proto.h"

namespace lifeline::match {
namespace {

std::string SourceDir() {
  const char* dir = std::getenv("LIFELINE_SOURCE_DIR");
  return dir == nullptr ? "." : dir;
}

TEST(EligibilityConfigTest, ShippedRulesLoadWithTheDocumentedValues) {
  auto loaded = LoadEligibilityFile(SourceDir() + "/config/eligibility.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const EligibilityRules* rules = &loaded->rules;
  EXPECT_EQ(rules->monthly_wage_fen, 864000);
  EXPECT_EQ(rules->max_months, 36);
  EXPECT_EQ(rules->floor_fen, 300000);
  EXPECT_EQ(rules->approval_threshold_fen, 1000000);
  ASSERT_EQ(rules->wages.size(), 1u);
  EXPECT_EQ(rules->WageFor("341523", 2024).monthly_wage_fen, 864000);
  EXPECT_DOUBLE_EQ(rules->MonthsFor(Category::kDependantOfDeceased), 4);
  EXPECT_DOUBLE_EQ(rules->very_hardship_weight, 30);
  EXPECT_DOUBLE_EQ(rules->extreme_hardship_months, 2);
  EXPECT_DOUBLE_EQ(rules->uplift_months.at("minor"), 1);
  EXPECT_DOUBLE_EQ(rules->dependant_of_deceased_base, 60);
  EXPECT_DOUBLE_EQ(rules->hardship_weights.at("rural_minimum_living"), 20);
  EXPECT_DOUBLE_EQ(rules->exclusion_factor, 0.3);
  EXPECT_DOUBLE_EQ(rules->household_hardship_factor, 0.75);
  EXPECT_EQ(rules->case_hardship_years, 2);
  EXPECT_EQ(rules->severe_disability_max_grade, 2);
  EXPECT_EQ(rules->injury_appraisal_severe_max_grade, 4);
  EXPECT_EQ(rules->TierOf(95), Tier::kHigh);
  EXPECT_EQ(rules->TierOf(90), Tier::kHigh);
  EXPECT_EQ(rules->TierOf(89.9), Tier::kMedium);
  EXPECT_EQ(rules->TierOf(70), Tier::kMedium);
  EXPECT_EQ(rules->TierOf(69), Tier::kLow);
  // A household signal weighs its factor of the member's own signal.
  EXPECT_DOUBLE_EQ(rules->HardshipWeight("household_rural_minimum_living"), 15);
}

TEST(EligibilityConfigTest, HouseholdFactorIsOptionalAndChecked) {
  v1::EligibilityConfig config;
  ASSERT_TRUE(common::LoadYamlProto(SourceDir() + "/config/eligibility.yaml", &config).ok());
  config.clear_household_hardship_factor();
  auto absent = RulesFromConfig(config);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_DOUBLE_EQ(absent->household_hardship_factor, 0.75);
  config.clear_injury_appraisal_severe_max_grade();
  EXPECT_EQ(RulesFromConfig(config)->injury_appraisal_severe_max_grade, 4);
  config.set_household_hardship_factor(0);
  auto zero = RulesFromConfig(config);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_DOUBLE_EQ(zero->HardshipWeight("household_extreme_poverty"), 0);
  config.mutable_tiers()->set_high(50);  // below medium
  config.set_household_hardship_factor(1.5);
  config.set_case_hardship_years(11);
  config.set_injury_appraisal_severe_max_grade(11);  // the appraisal scale ends at 10
  auto too_big = RulesFromConfig(config);
  ASSERT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_big.status().message().find("household_hardship_factor"), std::string::npos);
  EXPECT_NE(too_big.status().message().find("tiers"), std::string::npos);
  EXPECT_NE(too_big.status().message().find("case_hardship_years"), std::string::npos);
  EXPECT_NE(too_big.status().message().find("injury_appraisal_severe_max_grade"),
            std::string::npos);
}

TEST(EligibilityConfigTest, UnknownKeysAreRejected) {
  v1::EligibilityConfig config;
  absl::Status status =
      common::ParseYamlToProto("monthly_wage_fen: 1\nmonthly_wages_fen: 2\n", "test.yaml", &config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(EligibilityConfigTest, MissingOrNonsenseValuesAreReportedTogether) {
  v1::EligibilityConfig config;
  config.set_max_months(36);
  config.set_exclusion_factor(2);
  auto rules = RulesFromConfig(config);
  ASSERT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(rules.status().message().find("monthly_wage_fen"), std::string::npos);
  EXPECT_NE(rules.status().message().find("exclusion_factor"), std::string::npos);
  EXPECT_NE(rules.status().message().find("base_scores"), std::string::npos);
}

TEST(EligibilityConfigTest, AmountRulesAreChecked) {
  v1::EligibilityConfig config;
  ASSERT_TRUE(common::LoadYamlProto(SourceDir() + "/config/eligibility.yaml", &config).ok());
  v1::AmountRules& amount = *config.mutable_amount();
  *amount.add_wages() = amount.wages(0);  // the same region and year twice
  v1::WageRow* bad = amount.add_wages();
  bad->set_region("34x");
  bad->set_year(1066);
  amount.mutable_months()->set_urgent_treatment(0);
  amount.mutable_extreme_hardship()->set_min_weight(10);  // below very
  (*amount.mutable_uplift_months())["left_handed"] = 1;
  amount.set_approval_threshold_fen(100);  // below the floor
  auto rules = RulesFromConfig(config);
  ASSERT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(rules.status().message());
  for (const char* expected :
       {"amount.wages[1] repeats region 34 year 2023", "amount.wages[2].region",
        "amount.wages[2].year", "amount.wages[2].monthly_wage_fen", "amount.months",
        "very_hardship.min_weight < extreme_hardship.min_weight", "uplift_months.left_handed",
        "approval_threshold_fen"}) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << " in " << message;
  }
  config.clear_amount();
  EXPECT_NE(RulesFromConfig(config).status().message().find("amount is required"),
            std::string::npos);
}

TEST(EligibilityConfigTest, FingerprintNamesTheRulesNotTheFileLayout) {
  auto shipped = LoadEligibilityFile(SourceDir() + "/config/eligibility.yaml");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_TRUE(shipped->fingerprint.starts_with(absl::StrCat(kScoringVersion, ":")));
  v1::EligibilityConfig config;
  ASSERT_TRUE(common::LoadYamlProto(SourceDir() + "/config/eligibility.yaml", &config).ok());
  EXPECT_EQ(RulesFingerprint(config), shipped->fingerprint);
  // Map entries in another order are the same rules.
  v1::EligibilityConfig reordered = config;
  reordered.clear_hardship_weights();
  std::vector<std::pair<std::string, double>> weights(config.hardship_weights().begin(),
                                                      config.hardship_weights().end());
  for (auto it = weights.rbegin(); it != weights.rend(); ++it) {
    (*reordered.mutable_hardship_weights())[it->first] = it->second;
  }
  EXPECT_EQ(RulesFingerprint(reordered), shipped->fingerprint);
  config.mutable_amount()->set_approval_threshold_fen(2000000);
  EXPECT_NE(RulesFingerprint(config), shipped->fingerprint);
}

TEST(EligibilityConfigTest, ConfiguredAmountRulesReachTheRules) {
  v1::EligibilityConfig config;
  ASSERT_TRUE(common::LoadYamlProto(SourceDir() + "/config/eligibility.yaml", &config).ok());
  v1::WageRow* hefei = config.mutable_amount()->add_wages();
  hefei->set_region("3401");
  hefei->set_year(2024);
  hefei->set_monthly_wage_fen(1000000);
  config.mutable_amount()->mutable_months()->set_property_loss(2.5);
  auto rules = RulesFromConfig(config);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->WageFor("340102", 2025).monthly_wage_fen, 1000000);
  EXPECT_EQ(rules->WageFor("341523", 2025).monthly_wage_fen, 864000);
  EXPECT_DOUBLE_EQ(rules->MonthsFor(Category::kPropertyLoss), 2.5);
}

}  // namespace
}  // namespace lifeline::match
