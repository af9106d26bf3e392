#include "match-service/domain/clue_reconciler.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ClueCandidate Candidate(const std::string& case_number, Category category, double score) {
  ClueCandidate c;
  c.person_id = "per_1";
  c.case_number = case_number;
  c.category = category;
  c.score = score;
  c.hardship_signals = {"rural_minimum_living"};
  c.evidence = {Evidence{"civil_affairs", "ca-1", "social_assistance.programme",
                         "PROGRAMME_RURAL_MINIMUM_LIVING", "2021-05-01", kRoleHardship}};
  return c;
}

StoredClue Stored(const std::string& id, const ClueCandidate& as, ClueStatus status,
                  bool unsupported = false) {
  return StoredClue{
      id,          as.case_number, as.category, status, unsupported ? "" : Fingerprint(as),
      unsupported, as.score,       0,           ""};
}

TEST(ReconcileCluesTest, NewCandidatesBecomeClues) {
  const ClueCandidate a = Candidate("C1", Category::kSeriousInjury, 80);
  ClueChanges changes = ReconcileClues({}, {a});
  ASSERT_EQ(changes.create.size(), 1u);
  EXPECT_EQ(changes.create[0], a);
  EXPECT_THAT(changes.update, IsEmpty());
  EXPECT_THAT(changes.withdraw, IsEmpty());
  EXPECT_THAT(changes.mark_unsupported, IsEmpty());
}

TEST(ReconcileCluesTest, UnchangedContentIsLeftAloneChangedContentIsUpdated) {
  const ClueCandidate a = Candidate("C1", Category::kSeriousInjury, 80);
  ClueCandidate a2 = a;
  a2.score = 95;
  EXPECT_THAT(ReconcileClues({Stored("clu_1", a, ClueStatus::kPendingReview)}, {a}).update,
              IsEmpty());
  ClueChanges changes = ReconcileClues({Stored("clu_1", a, ClueStatus::kPendingReview)}, {a2});
  ASSERT_EQ(changes.update.size(), 1u);
  EXPECT_EQ(changes.update[0].first, "clu_1");
  EXPECT_EQ(changes.update[0].second, a2);
  EXPECT_THAT(changes.create, IsEmpty());
}

TEST(ReconcileCluesTest, DecidedCluesNeverChange) {
  const ClueCandidate a = Candidate("C1", Category::kSeriousInjury, 80);
  ClueCandidate a2 = a;
  a2.score = 10;
  for (ClueStatus decided : {ClueStatus::kApproved, ClueStatus::kRejected}) {
    ClueChanges changed = ReconcileClues({Stored("clu_1", a, decided)}, {a2});
    EXPECT_THAT(changed.update, IsEmpty());
    ClueChanges gone = ReconcileClues({Stored("clu_1", a, decided)}, {});
    EXPECT_THAT(gone.withdraw, IsEmpty());
    EXPECT_THAT(gone.mark_unsupported, IsEmpty());
  }
}

TEST(ReconcileCluesTest, UnsupportedPendingIsWithdrawnMoreInfoIsFlaggedOnce) {
  const ClueCandidate a = Candidate("C1", Category::kSeriousInjury, 80);
  const ClueCandidate b = Candidate("C2", Category::kPropertyLoss, 40);
  ClueChanges changes = ReconcileClues({Stored("clu_1", a, ClueStatus::kPendingReview),
                                        Stored("clu_2", b, ClueStatus::kMoreInfoRequested)},
                                       {});
  EXPECT_THAT(changes.withdraw, ElementsAre("clu_1"));
  EXPECT_THAT(changes.mark_unsupported, ElementsAre("clu_2"));
  ClueChanges again = ReconcileClues(
      {Stored("clu_2", b, ClueStatus::kMoreInfoRequested, /*unsupported=*/true)}, {});
  EXPECT_THAT(again.mark_unsupported, IsEmpty());
  EXPECT_THAT(again.withdraw, IsEmpty());
}

TEST(ReconcileCluesTest, FlaggedClueSupportedAgainIsRewritten) {
  const ClueCandidate b = Candidate("C2", Category::kPropertyLoss, 40);
  ClueChanges changes = ReconcileClues(
      {Stored("clu_2", b, ClueStatus::kMoreInfoRequested, /*unsupported=*/true)}, {b});
  ASSERT_EQ(changes.update.size(), 1u);
  EXPECT_EQ(changes.update[0].first, "clu_2");
}

TEST(ReconcileCluesTest, SameCaseOtherCategoryIsAnotherClue) {
  const ClueCandidate a = Candidate("C1", Category::kSeriousInjury, 80);
  const ClueCandidate p = Candidate("C1", Category::kPropertyLoss, 40);
  ClueChanges changes = ReconcileClues({Stored("clu_1", a, ClueStatus::kPendingReview)}, {p});
  EXPECT_THAT(changes.withdraw, ElementsAre("clu_1"));
  ASSERT_EQ(changes.create.size(), 1u);
  EXPECT_EQ(changes.create[0].category, Category::kPropertyLoss);
}

TEST(FingerprintTest, ChangesWithEveryShownField) {
  const ClueCandidate a = Candidate("C1", Category::kSeriousInjury, 80);
  std::vector<ClueCandidate> variants(10, a);
  variants[0].score = 80.5;
  variants[1].suggested_amount.max_fen = 1;
  variants[2].hardship_signals.push_back("low_income");
  variants[3].possible_exclusions.push_back("victim_major_fault");
  variants[4].needs.push_back("minor");
  variants[5].evidence[0].value = "PROGRAMME_LOW_INCOME";
  variants[6].suggested_amount.point_fen = 2;
  variants[7].suggested_amount.rationale.push_back("+1 month: minor");
  variants[8].region_code = "340102";
  variants[9].exclusions.push_back("already_assisted");
  for (const ClueCandidate& v : variants) EXPECT_NE(Fingerprint(v), Fingerprint(a));
}

TEST(DescribeChangeTest, NamesWhatChanged) {
  ClueCandidate before = Candidate("C1", Category::kSeriousInjury, 80);
  before.hardship_signals = {"rural_minimum_living"};
  before.suggested_amount.point_fen = 4320000;
  ClueCandidate after = before;
  EXPECT_EQ(DescribeChange(before, after), "content updated");
  after.score = 95;
  after.hardship_signals.push_back("disability_grade_2");
  after.suggested_amount.point_fen = 5184000;
  after.evidence.push_back(Evidence{"disabled_persons_federation", "DP-1",
                                    "disability_certificate.grade", "2", "", kRoleHardship});
  EXPECT_EQ(DescribeChange(before, after),
            "score 80 -> 95; hardship + disability_grade_2; suggested 43200.00 -> 51840.00 yuan; "
            "evidence + disabled_persons_federation DP-1 disability_certificate.grade");
  EXPECT_EQ(DescribeChange(after, before),
            "score 95 -> 80; hardship - disability_grade_2; suggested 51840.00 -> 43200.00 yuan; "
            "evidence - disabled_persons_federation DP-1 disability_certificate.grade");
  ClueCandidate excluded = before;
  excluded.exclusions = {kExclusionPaid};
  EXPECT_EQ(DescribeChange(before, excluded), "exclusions + compensation_paid");
}

TEST(ReconcileCluesTest, WithdrawnClueIsRestoredByAMatchingCandidateAndOtherwiseLeftAlone) {
  const ClueCandidate a = Candidate("C1", Category::kSeriousInjury, 80);
  StoredClue withdrawn{
      "clu_1", "C1", Category::kSeriousInjury, ClueStatus::kWithdrawn, "", false, 80, 0, ""};
  ClueChanges back = ReconcileClues({withdrawn}, {a});
  ASSERT_EQ(back.update.size(), 1u);
  EXPECT_EQ(back.update[0].first, "clu_1");
  EXPECT_TRUE(back.create.empty());
  ClueChanges none = ReconcileClues({withdrawn}, {});
  EXPECT_TRUE(none.withdraw.empty());
  EXPECT_TRUE(none.mark_unsupported.empty());
}

}  // namespace
}  // namespace lifeline::match
