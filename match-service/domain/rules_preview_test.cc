#include "match-service/domain/rules_preview.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

StoredClue Before(std::string id, std::string case_number, double score,
                  ClueStatus status = ClueStatus::kPendingReview) {
  return StoredClue{std::move(id),
                    std::move(case_number),
                    Category::kSeriousInjury,
                    status,
                    "",
                    false,
                    score,
                    500000,
                    "341523"};
}

ClueCandidate After(std::string case_number, double score, int64_t point_fen = 500000) {
  ClueCandidate c;
  c.case_number = std::move(case_number);
  c.category = Category::kSeriousInjury;
  c.region_code = "341523";
  c.score = score;
  c.suggested_amount.point_fen = point_fen;
  return c;
}

TEST(RulesPreviewTest, CountsAddedDroppedTierMovesAndAmounts) {
  const EligibilityRules rules;  // high 90, medium 70
  RulesPreview preview;
  ComparePerson({Before("clu_a", "C1", 95), Before("clu_b", "C2", 80), Before("clu_c", "C3", 75),
                 Before("clu_d", "C4", 75), Before("clu_e", "C5", 75)},
                {After("C1", 85),          // high -> medium
                 After("C2", 92),          // medium -> high
                 After("C3", 75, 700000),  // same tier, other amount
                 After("C4", 75),          // unchanged
                 After("C9", 60)},         // new clue; C5 dropped
                rules, rules, &preview);
  EXPECT_EQ(preview.persons_scored, 1);
  EXPECT_EQ(preview.total.added, 1);
  EXPECT_EQ(preview.total.dropped, 1);
  EXPECT_EQ(preview.total.tier_up, 1);
  EXPECT_EQ(preview.total.tier_down, 1);
  EXPECT_EQ(preview.total.amount_changed, 1);
  const PreviewCounts& lu_an = preview.groups.at({Category::kSeriousInjury, "3415"});
  EXPECT_EQ(lu_an.added + lu_an.dropped + lu_an.tier_up + lu_an.tier_down, 4);
  ASSERT_EQ(preview.examples.size(), 5u);
  for (const PreviewChange& change : preview.examples) {
    if (change.kind == PreviewChange::Kind::kTierDown) {
      EXPECT_EQ(change.clue_id, "clu_a");
      EXPECT_EQ(change.tier_before, Tier::kHigh);
      EXPECT_EQ(change.tier_after, Tier::kMedium);
    }
    if (change.kind == PreviewChange::Kind::kAdded) {
      EXPECT_EQ(change.clue_id, "");
    }
  }
}

TEST(RulesPreviewTest, NewThresholdsMoveTiersWithoutAnyScoreChange) {
  const EligibilityRules before;
  EligibilityRules after;
  after.tier_high_score = 80;
  RulesPreview preview;
  ComparePerson({Before("clu_a", "C1", 85)}, {After("C1", 85)}, before, after, &preview);
  EXPECT_EQ(preview.total.tier_up, 1);
}

TEST(RulesPreviewTest, ExclusionsDropAndFreeCluesDecidedOnesNeverChange) {
  const EligibilityRules rules;
  ClueCandidate excluded = After("C1", 30);
  excluded.exclusions = {kExclusionMajorFault};
  RulesPreview preview;
  ComparePerson({Before("clu_a", "C1", 95), Before("clu_b", "C2", 30, ClueStatus::kExcluded),
                 Before("clu_c", "C3", 95, ClueStatus::kApproved),
                 Before("clu_d", "C4", 95, ClueStatus::kRejected),
                 Before("clu_e", "C5", 30, ClueStatus::kExcluded)},
                {excluded, After("C2", 95), After("C3", 10)}, rules, rules, &preview);
  EXPECT_EQ(preview.total.dropped, 1);  // C1 now excluded; C4 decided, C5 was excluded
  EXPECT_EQ(preview.total.added, 1);    // C2 freed
  EXPECT_EQ(preview.total.tier_down, 0);
  // A new candidate that is excluded adds nothing.
  RulesPreview fresh;
  ComparePerson({}, {excluded}, rules, rules, &fresh);
  EXPECT_EQ(fresh.total.added, 0);
}

TEST(RulesPreviewTest, ExamplesAreCappedPerKind) {
  const EligibilityRules rules;
  std::vector<ClueCandidate> many;
  for (int i = 0; i < 20; ++i) many.push_back(After("C" + std::to_string(i), 60));
  RulesPreview preview;
  ComparePerson({}, many, rules, rules, &preview);
  EXPECT_EQ(preview.total.added, 20);
  EXPECT_EQ(preview.examples.size(), static_cast<size_t>(RulesPreview::kExamplesPerKind));
}

}  // namespace
}  // namespace lifeline::match
