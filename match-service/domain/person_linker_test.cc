#include "match-service/domain/person_linker.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "match-service/testing/linkage_people.h"

namespace lifeline::match {
namespace {

using testing::TestPerson;
using testing::ValidId;

const std::string kId = ValidId("34152319620520157");
const std::string kOtherId = ValidId("34152319880601003");

IndexedRecord Rec(int64_t id, const std::string& person_id, const NormalizedPerson& person) {
  IndexedRecord r;
  r.record_id = id;
  r.agency = "civil_affairs";
  r.source_record_id = "R" + std::to_string(id);
  r.person_id = person_id;
  r.person = person;
  return r;
}

// A deployment-sized prior: a million live records.
LinkModel Model() {
  LinkModel model;
  model.live_records = 1'000'000;
  model.named_records = 1'000'000;
  return model;
}

PersonLinker::IdGenerator Counter() {
  auto next = std::make_shared<int>(0);
  return [next] { return "per_new" + std::to_string(++*next); };
}

LinkOutcome Link(const std::vector<IndexedRecord>& records,
                 const std::vector<MatchReview>& reviews = {}) {
  return PersonLinker().LinkNeighbourhood(records, reviews, Model(), linkage::NameFrequencies(),
                                          Counter());
}

TEST(PersonLinkerTest, NewRecordsOfOneNumberBecomeOneNewPerson) {
  const auto p = TestPerson("周建国").Birth("1962-05-20").Id(kId);
  const LinkOutcome out = Link({Rec(1, "", p), Rec(2, "", p)});
  ASSERT_EQ(out.new_persons.size(), 1u);
  EXPECT_EQ(out.links[0].person_id, out.new_persons[0]);
  EXPECT_EQ(out.links[1].person_id, out.new_persons[0]);
  EXPECT_EQ(out.links[1].reason, kLinkIdToken);
  EXPECT_EQ(out.links[1].partner_record_id, 1);
  EXPECT_GT(out.links[1].weight, 20);
}

TEST(PersonLinkerTest, AJoinedGroupKeepsThePersonMostOfItsRecordsHad) {
  const auto p = TestPerson("周建国").Birth("1962-05-20").Id(kId);
  const LinkOutcome out = Link({Rec(1, "per_b", p), Rec(2, "per_a", p), Rec(3, "per_a", p)});
  EXPECT_TRUE(out.new_persons.empty());
  for (const RecordLink& link : out.links) EXPECT_EQ(link.person_id, "per_a");
}

TEST(PersonLinkerTest, ASplitLeavesTheBiggerPartThePersonAndGivesTheRestANewOne) {
  const auto a = TestPerson("王建国").Birth("1960-01-01").Id(kId);
  const auto b = TestPerson("王建国").Birth("1988-06-01").Id(kOtherId);
  const LinkOutcome out = Link({Rec(1, "per_x", a), Rec(2, "per_x", a), Rec(3, "per_x", b)});
  EXPECT_EQ(out.links[0].person_id, "per_x");
  EXPECT_EQ(out.links[1].person_id, "per_x");
  ASSERT_EQ(out.new_persons.size(), 1u);
  EXPECT_EQ(out.links[2].person_id, out.new_persons[0]);
  EXPECT_EQ(out.links[2].reason, kLinkSingleton);
  EXPECT_EQ(out.links[2].partner_record_id, 0);
}

TEST(PersonLinkerTest, ReviewersDecisionsWin) {
  const auto p = TestPerson("周建国").Birth("1962-05-20").Id(kId);
  const auto q = TestPerson("钱多多").Birth("1999-09-09");
  MatchReview separate;
  separate.record_a = 1;
  separate.record_b = 2;
  separate.same = false;
  MatchReview confirm;
  confirm.record_a = 2;
  confirm.record_b = 3;
  confirm.same = true;
  const LinkOutcome out = Link({Rec(1, "", p), Rec(2, "", p), Rec(3, "", q)}, {separate, confirm});
  EXPECT_NE(out.links[0].person_id, out.links[1].person_id);
  EXPECT_EQ(out.links[1].person_id, out.links[2].person_id);
  EXPECT_EQ(out.links[2].reason, kLinkConfirmed);
}

TEST(PersonLinkerTest, PossibleMatchesComeWithTheirRecordIds) {
  // Same name and birth date, no number, nothing else: too little for a link at a million
  // records, enough to ask a reviewer.
  const auto a = TestPerson("周建国").Birth("1962-05-20");
  const LinkOutcome out = Link({Rec(7, "", a), Rec(4, "", a)});
  EXPECT_NE(out.links[0].person_id, out.links[1].person_id);
  ASSERT_EQ(out.possible.size(), 1u);
  EXPECT_EQ(out.possible[0].record_a, 4);
  EXPECT_EQ(out.possible[0].record_b, 7);
}

TEST(LinkModelTest, PriorShrinksWithThePopulation) {
  LinkModel small;
  small.live_records = 1000;
  LinkModel big;
  big.live_records = 1'000'000;
  EXPECT_NEAR(small.PriorLog2Odds() - big.PriorLog2Odds(), std::log2(999'999.0 / 999), 0.01);
}

}  // namespace
}  // namespace lifeline::match
