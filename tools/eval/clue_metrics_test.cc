#include "tools/eval/clue_metrics.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TruthRecord Rec(std::string source_record_id, std::string person) {
  TruthRecord r;
  r.agency = "court";
  r.source_record_id = std::move(source_record_id);
  r.person_id = std::move(person);
  return r;
}

Link L(std::string source_record_id, std::string person) {
  return Link{"court", std::move(source_record_id), std::move(person)};
}

ClueRow C(std::string clue_id, std::string person, std::string category = "") {
  return ClueRow{std::move(clue_id), std::move(person), std::move(category), 1.0};
}

class ClueMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    truth_.records = {Rec("r1", "P1"), Rec("r2", "P1"), Rec("r3", "P1"), Rec("r4", "P2"),
                      Rec("r5", "P3"), Rec("r6", "P4"), Rec("r7", "P7"), Rec("r8", "P6")};
    truth_.eligible = {
        {"P1", "serious_injury", "C-1", "P1", {}},
        {"P2", "property_loss", "C-2", "P2", {}},
        {"P5", "urgent_treatment", "C-5", "P5", {}},
    };
    truth_.near_misses = {{"P3", "compensation_paid", "C-3"}, {"P3", "no_hardship", "C-3"}};
    // L1 holds two records of P1 and P2's only record: it is P1, and P2 is lost in it.
    links_ = {L("r1", "L1"), L("r2", "L1"),      L("r4", "L1"), L("r3", "L2"), L("r5", "L3"),
              L("r6", "L4"), L("unknown", "L5"), L("r7", "L6"), L("r8", "L6")};
  }

  Truth truth_;
  std::vector<Link> links_;
};

TEST_F(ClueMetricsTest, MapsPersonsByMajorityOfLinkedRecords) {
  auto mapping = MapPersonsToTruth(truth_, links_);
  EXPECT_EQ(mapping.at("L1"), "P1");
  EXPECT_EQ(mapping.at("L2"), "P1");
  EXPECT_EQ(mapping.at("L3"), "P3");
  EXPECT_EQ(mapping.at("L6"), "P6");     // a tie goes to the smaller true person id
  EXPECT_FALSE(mapping.contains("L5"));  // linked only to a record the truth does not know
}

TEST_F(ClueMetricsTest, CountsPrecisionRecallAndDangerousFalsePositives) {
  ClueReport r = EvaluateClues(truth_, links_,
                               {C("c1", "L1", "serious_injury"), C("c2", "L2"), C("c3", "L3"),
                                C("c4", "L4"), C("c5", "L5"), C("c6", "L-none")});
  EXPECT_EQ(r.clues, 6);
  EXPECT_EQ(r.true_positives, 2);
  EXPECT_EQ(r.duplicate_true_positives, 1);
  EXPECT_EQ(r.false_positives, 2);
  EXPECT_EQ(r.unmapped, 2);
  EXPECT_DOUBLE_EQ(r.precision(), 2.0 / 6);
  EXPECT_EQ(r.eligible_persons, 3);
  EXPECT_EQ(r.found_persons, 1);
  EXPECT_DOUBLE_EQ(r.recall(), 1.0 / 3);
  EXPECT_THAT(r.near_miss_false_positives,
              ElementsAre(Pair("compensation_paid", 1), Pair("no_hardship", 1)));
  EXPECT_EQ(r.other_false_positives, 1);

  ASSERT_EQ(r.by_category.size(), 5u);  // every category, also one the truth has none of
  EXPECT_EQ(r.by_category[4].category, "civil_tort");
  EXPECT_EQ(r.by_category[4].eligible, 0);
  const CategoryRecall& serious = r.by_category[0];
  EXPECT_EQ(serious.category, "serious_injury");
  EXPECT_EQ(serious.eligible, 1);
  EXPECT_EQ(serious.found, 1);
  EXPECT_EQ(serious.same_category, 1);
  EXPECT_EQ(r.by_category[1].category, "urgent_treatment");
  EXPECT_EQ(r.by_category[1].found, 0);
  EXPECT_EQ(r.by_category[3].category, "property_loss");
  EXPECT_EQ(r.by_category[3].eligible, 1);
  EXPECT_EQ(r.by_category[3].found, 0);
  EXPECT_EQ(r.by_category[2].eligible, 0);
  EXPECT_EQ(r.by_category[2].recall(), 0.0);
}

TEST_F(ClueMetricsTest, CategoryMismatchStillCountsAsFound) {
  ClueReport r = EvaluateClues(truth_, links_, {C("c1", "L1", "property_loss")});
  EXPECT_EQ(r.by_category[0].found, 1);
  EXPECT_EQ(r.by_category[0].same_category, 0);
}

TEST_F(ClueMetricsTest, NoCluesMeansNoPrecision) {
  ClueReport r = EvaluateClues(truth_, links_, {});
  EXPECT_EQ(r.precision(), 0.0);
  EXPECT_EQ(r.recall(), 0.0);
}

}  // namespace
}  // namespace lifeline::eval
