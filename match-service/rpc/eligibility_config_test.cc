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
