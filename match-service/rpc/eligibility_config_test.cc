#include "match-service/rpc/eligibility_config.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "common/config/yaml_proto.h"

namespace lifeline::match {
namespace {

std::string SourceDir() {
  const char* dir = std::getenv("LIFELINE_SOURCE_DIR");
  return dir == nullptr ? "." : dir;
}

TEST(EligibilityConfigTest, ShippedRulesLoadWithTheDocumentedValues) {
  auto rules = LoadEligibilityRules(SourceDir() + "/config/eligibility.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->monthly_wage_fen, 864000);
  EXPECT_EQ(rules->max_months, 36);
  EXPECT_EQ(rules->floor_fen, 300000);
  EXPECT_EQ(rules->CapFen(), 31104000);
  EXPECT_DOUBLE_EQ(rules->dependant_of_deceased_base, 60);
  EXPECT_DOUBLE_EQ(rules->hardship_weights.at("rural_minimum_living"), 20);
  EXPECT_DOUBLE_EQ(rules->exclusion_factor, 0.3);
  EXPECT_DOUBLE_EQ(rules->household_hardship_factor, 0.75);
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
  config.set_household_hardship_factor(0);
  auto zero = RulesFromConfig(config);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_DOUBLE_EQ(zero->HardshipWeight("household_extreme_poverty"), 0);
  config.mutable_tiers()->set_high(50);  // below medium
  config.set_household_hardship_factor(1.5);
  auto too_big = RulesFromConfig(config);
  ASSERT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_big.status().message().find("household_hardship_factor"), std::string::npos);
  EXPECT_NE(too_big.status().message().find("tiers"), std::string::npos);
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

}  // namespace
}  // namespace lifeline::match
