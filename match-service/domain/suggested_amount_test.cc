#include "match-service/domain/suggested_amount.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

const absl::CivilDay kDecided(2024, 6, 1);

EligibilityRules Rules() {
  EligibilityRules rules;
  rules.monthly_wage_fen = 500000;
  rules.wages = {{"34", 2022, 800000}, {"34", 2023, 864000}, {"3401", 2022, 950000}};
  return rules;
}

TEST(WageForTest, LongestRegionPrefixThenLatestYearBeforeTheDecision) {
  const EligibilityRules rules = Rules();
  // Hefei (3401) has only a 2022 row: the city row wins over the province's newer one.
  WageChoice hefei = rules.WageFor("340102", 2024);
  EXPECT_EQ(hefei.monthly_wage_fen, 950000);
  EXPECT_EQ(hefei.region, "3401");
  EXPECT_EQ(hefei.year, 2022);
  // Elsewhere in Anhui, the previous year's row; a decision in 2023 uses 2022's.
  EXPECT_EQ(rules.WageFor("341523", 2024).monthly_wage_fen, 864000);
  EXPECT_EQ(rules.WageFor("341523", 2023).monthly_wage_fen, 800000);
  // A row of the decision year itself is not yet "the previous year's".
  EXPECT_EQ(rules.WageFor("341523", 2023).year, 2022);
  // No row for the region, or none old enough: the default wage.
  EXPECT_EQ(rules.WageFor("440106", 2024).year, 0);
  EXPECT_EQ(rules.WageFor("440106", 2024).monthly_wage_fen, 500000);
  EXPECT_EQ(rules.WageFor("341523", 2022).monthly_wage_fen, 500000);
  EXPECT_EQ(rules.WageFor("", 2024).monthly_wage_fen, 500000);
}

TEST(SuggestAmountTest, MonthsFromCategoryHardshipAndGroupsTimesTheWage) {
  AmountFacts facts;
  facts.category = Category::kSeriousInjury;
  facts.region_code = "341523";
  facts.hardship_weight = 55;  // extreme
  facts.groups = {"minor", "disability", "unknown_group"};
  const AmountRange amount = SuggestAmount(facts, Rules(), kDecided);
  // 3 + 2 (extreme) + 1 (minor) + 1 (disability) = 7 months of 8,640 yuan.
  EXPECT_EQ(amount.point_fen, 7 * 864000);
  EXPECT_EQ(amount.max_fen, 36 * 864000);
  EXPECT_EQ(amount.min_fen, 300000);
  EXPECT_THAT(amount.rationale,
              ElementsAre("monthly wage 8640.00 yuan (region 34, 2023)", "3 months: serious injury",
                          "+2 months: extreme hardship (weight 55 >= 50)", "+1 month: minor",
                          "+1 month: disability", "= 7 months x 8640.00 = 60480.00 yuan",
                          "range 3000.00 to 311040.00 yuan (cap: 36 months' wage)"));
}

TEST(SuggestAmountTest, VeryHardshipAndOrdinaryHardship) {
  AmountFacts facts;
  facts.category = Category::kDependantOfDeceased;
  facts.region_code = "341523";
  facts.hardship_weight = 30;
  EXPECT_EQ(SuggestAmount(facts, Rules(), kDecided).point_fen, 5 * 864000);
  facts.hardship_weight = 29.9;
  EXPECT_EQ(SuggestAmount(facts, Rules(), kDecided).point_fen, 4 * 864000);
}

TEST(SuggestAmountTest, CappedAtTheUnpaidAwardAndTheLoss) {
  AmountFacts facts;
  facts.category = Category::kSeriousInjury;
  facts.region_code = "341523";
  facts.unpaid_fen = 1000000;
  AmountRange amount = SuggestAmount(facts, Rules(), kDecided);
  EXPECT_EQ(amount.max_fen, 1000000);
  EXPECT_EQ(amount.point_fen, 1000000);
  EXPECT_THAT(amount.rationale, Contains("capped at 10000.00 yuan (the unpaid award)"));

  facts.category = Category::kPropertyLoss;
  facts.unpaid_fen.reset();
  facts.loss_fen = 600000;
  amount = SuggestAmount(facts, Rules(), kDecided);
  EXPECT_EQ(amount.max_fen, 600000);
  EXPECT_EQ(amount.point_fen, 600000);
  EXPECT_THAT(amount.rationale, Contains("capped at 6000.00 yuan (the loss)"));
}

TEST(SuggestAmountTest, AtMostMaxMonths) {
  EligibilityRules rules = Rules();
  rules.max_months = 5;
  AmountFacts facts;
  facts.category = Category::kSeriousInjury;
  facts.region_code = "341523";
  facts.hardship_weight = 80;
  facts.groups = {"minor", "disability", "women_difficulty", "veteran"};
  const AmountRange amount = SuggestAmount(facts, rules, kDecided);
  EXPECT_EQ(amount.point_fen, 5 * 864000);
  EXPECT_EQ(amount.max_fen, 5 * 864000);
  EXPECT_THAT(amount.rationale, Contains("at most 5 months"));
}

TEST(SuggestAmountTest, RaisedToTheFloorButNeverAboveTheCap) {
  EligibilityRules rules = Rules();
  rules.property_loss_months = 0.25;  // 2,160 yuan, below the 3,000-yuan floor
  AmountFacts facts;
  facts.category = Category::kPropertyLoss;
  facts.region_code = "341523";
  AmountRange amount = SuggestAmount(facts, rules, kDecided);
  EXPECT_EQ(amount.point_fen, 300000);
  EXPECT_THAT(amount.rationale, Contains("raised to the floor 3000.00 yuan"));

  facts.unpaid_fen = 100000;  // only 1,000 yuan unpaid: floor and point are the cap
  amount = SuggestAmount(facts, rules, kDecided);
  EXPECT_EQ(amount.min_fen, 100000);
  EXPECT_EQ(amount.max_fen, 100000);
  EXPECT_EQ(amount.point_fen, 100000);

  facts.unpaid_fen = 0;  // paid in full
  amount = SuggestAmount(facts, rules, kDecided);
  EXPECT_EQ(amount.point_fen, 0);
  EXPECT_EQ(amount.max_fen, 0);
}

TEST(SuggestAmountTest, RationaleSaysWhenTheWageIsADefaultOrAnOlderRow) {
  AmountFacts facts;
  facts.category = Category::kUrgentTreatment;
  facts.region_code = "440106";
  AmountRange amount = SuggestAmount(facts, Rules(), kDecided);
  EXPECT_EQ(amount.point_fen, 2 * 500000);
  EXPECT_EQ(amount.rationale[0],
            "monthly wage 5000.00 yuan (default: no wage row for region 440106 up to 2023)");
  facts.region_code = "341523";
  amount = SuggestAmount(facts, Rules(), absl::CivilDay(2026, 12, 3));
  EXPECT_EQ(amount.rationale[0], "monthly wage 8640.00 yuan (region 34, 2023: no row for 2025)");
}

TEST(YuanTextTest, TwoDecimals) {
  EXPECT_EQ(YuanText(864000), "8640.00");
  EXPECT_EQ(YuanText(5), "0.05");
  EXPECT_EQ(YuanText(-150), "-1.50");
}

}  // namespace
}  // namespace lifeline::match
