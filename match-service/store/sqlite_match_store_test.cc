#include "match-service/store/sqlite_match_store.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "match-service/clients/plan_request_codec.h"
#include "match-service/domain/story_fixture.h"
#include <unistd.h>

namespace lifeline::match {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2024, 6, 1, 8, 0, 0), absl::UTCTimeZone());

std::unique_ptr<SqliteMatchStore> OpenStore(const std::string& path = ":memory:") {
  auto store = SqliteMatchStore::Open(path, ClueScorer(EligibilityRules{}), EncodePlanRequest);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

std::vector<ClueView> AllClues(MatchStore& store) {
  auto page = store.ListClues(ClueQuery{std::nullopt, 0, 500});
  EXPECT_TRUE(page.ok()) << page.status();
  return page.ok() ? page->clues : std::vector<ClueView>{};
}

const ClueView* ClueOf(const std::vector<ClueView>& clues, const std::string& name) {
  for (const ClueView& c : clues) {
    if (c.person_name == name) return &c;
  }
  return nullptr;
}

RecordFacts Retraction(RecordFacts r, int64_t version) {
  r.version = version;
  r.retracted = true;
  return r;
}

Review Approve(int64_t amount) { return Review{Decision::kApprove, amount, "", "proc-1", ""}; }

TEST(SqliteMatchStoreTest, StoryBecomesTwoPendingCluesBestFirst) {
  auto store = OpenStore();
  auto result = store->UpsertRecords(testing::StoryRecords(), kNow);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->applied, 9);
  EXPECT_EQ(result->unchanged, 0);
  EXPECT_EQ(result->clues_created, 2);

  auto clues = AllClues(*store);
  ASSERT_THAT(clues, SizeIs(2));
  EXPECT_EQ(clues[0].person_name, "测试父");  // 95 before 90
  EXPECT_EQ(clues[1].person_name, "测试母");
  EXPECT_DOUBLE_EQ(clues[0].clue.candidate.score, 95);
  EXPECT_EQ(clues[0].clue.status, ClueStatus::kPendingReview);
  EXPECT_EQ(clues[0].clue.candidate.category, Category::kDependantOfDeceased);
  EXPECT_EQ(clues[0].person_id_masked, "3415**********000X");
  EXPECT_THAT(clues[0].clue.candidate.evidence,
              Contains(::testing::Field(&Evidence::source_record_id, "ce-1")));

  // The father's five records resolve to one person by token.
  auto person = store->GetPerson(clues[0].clue.candidate.person_id);
  ASSERT_TRUE(person.ok());
  EXPECT_THAT(person->records, SizeIs(5));
  for (const RecordLinkView& link : person->records) EXPECT_EQ(link.link_reason, kLinkIdToken);
  EXPECT_EQ(person->person.birth_date, "1968-01-15");
}

TEST(SqliteMatchStoreTest, ResendingTheSameBatchChangesNothing) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  auto before = AllClues(*store);
  auto again = store->UpsertRecords(testing::StoryRecords(), kNow + absl::Hours(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->applied, 0);
  EXPECT_EQ(again->unchanged, 9);
  EXPECT_EQ(again->clues_created + again->clues_updated + again->clues_withdrawn, 0);
  auto after = AllClues(*store);
  ASSERT_THAT(after, SizeIs(2));
  EXPECT_EQ(after[0].clue.clue_id, before[0].clue.clue_id);
  EXPECT_EQ(after[0].clue.updated_time, before[0].clue.updated_time);
}

TEST(SqliteMatchStoreTest, NewerVersionReplacesOlderIsIgnored) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  RecordFacts paid = testing::EnforcementRecord(83000000, EnforcementStatus::kConcluded);
  paid.version = 2;
  auto result = store->UpsertRecords({paid}, kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->applied, 1);
  EXPECT_EQ(result->clues_withdrawn, 2);  // both parents, through the case
  EXPECT_THAT(AllClues(*store), IsEmpty());

  auto stale = store->UpsertRecords({testing::EnforcementRecord()}, kNow);  // version 1
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->unchanged, 1);
  EXPECT_THAT(AllClues(*store), IsEmpty());
}

TEST(SqliteMatchStoreTest, RetractionForgetsFactsAndWithdrawsAPendingClue) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const std::string mother_id = ClueOf(AllClues(*store), "测试母")->clue.candidate.person_id;

  auto result =
      store->UpsertRecords({Retraction(testing::MinimumLiving("ca-2", testing::Mother()), 2),
                            Retraction(testing::WomenDifficulty(), 2)},
                           kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->clues_withdrawn, 1);
  auto clues = AllClues(*store);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].person_name, "测试父");

  auto mother = store->GetPerson(mother_id);
  ASSERT_TRUE(mother.ok());
  EXPECT_THAT(mother->records, SizeIs(1));  // only the near-relative record is left
  auto links = store->ListLinks(0, 100);
  ASSERT_TRUE(links.ok());
  EXPECT_THAT(*links, SizeIs(7));
}

TEST(SqliteMatchStoreTest, DecidedClueSurvivesLosingItsData) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView father = *ClueOf(AllClues(*store), "测试父");
  ASSERT_TRUE(store->ReviewClue(father.clue.clue_id, Approve(1000000), kNow).ok());

  auto result =
      store->UpsertRecords({Retraction(testing::MinimumLiving("ca-1", testing::Father()), 2),
                            Retraction(testing::FatherDisability(), 2)},
                           kNow);
  ASSERT_TRUE(result.ok());
  auto kept = store->GetClue(father.clue.clue_id);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->clue.status, ClueStatus::kApproved);
  EXPECT_EQ(kept->clue.candidate.evidence, father.clue.candidate.evidence);
}

TEST(SqliteMatchStoreTest, MoreInfoClueIsKeptButFlaggedWhenDataNoLongerSupportsIt) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView mother = *ClueOf(AllClues(*store), "测试母");
  ASSERT_TRUE(store
                  ->ReviewClue(mother.clue.clue_id,
                               Review{Decision::kRequestInfo, 0, "home visit", "proc-1", ""}, kNow)
                  .ok());
  ASSERT_TRUE(store
                  ->UpsertRecords({Retraction(testing::MinimumLiving("ca-2", testing::Mother()), 2),
                                   Retraction(testing::WomenDifficulty(), 2)},
                                  kNow)
                  .ok());
  auto kept = store->GetClue(mother.clue.clue_id);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->clue.status, ClueStatus::kMoreInfoRequested);
  EXPECT_THAT(kept->clue.candidate.possible_exclusions, Contains("data_no_longer_supports_clue"));
  EXPECT_THAT(kept->clue.reviews, SizeIs(1));
}

TEST(SqliteMatchStoreTest, ApprovalQueuesThePlanRequestAndIsFinal) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView father = *ClueOf(AllClues(*store), "测试父");
  EXPECT_EQ(store->ReviewClue(father.clue.clue_id, Approve(864000 * 36 + 1), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(*store->outbox()->Pending(kReferralTopic), 0);

  auto approved = store->ReviewClue(father.clue.clue_id, Approve(2000000), kNow);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->clue.status, ClueStatus::kApproved);
  ASSERT_THAT(approved->clue.reviews, SizeIs(1));
  EXPECT_EQ(approved->clue.reviews[0].reviewer, "proc-1");

  auto due = store->outbox()->Due(kReferralTopic, 10, INT64_MAX);
  ASSERT_TRUE(due.ok());
  ASSERT_THAT(*due, SizeIs(1));
  auto plan = DecodePlanRequest((*due)[0].payload);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->clue_id, father.clue.clue_id);
  EXPECT_EQ(plan->approved_amount_fen, 2000000);
  EXPECT_EQ(plan->category, "CATEGORY_DEPENDANT_OF_DECEASED");
  EXPECT_EQ(plan->case_number, testing::kStoryCase);
  EXPECT_EQ(plan->approved_by, "proc-1");
  EXPECT_EQ(plan->person.name, "测试父");
  EXPECT_EQ(plan->person.sex, Sex::kMale);
  EXPECT_THAT(plan->needs, Contains("disability"));

  EXPECT_EQ(store->ReviewClue(father.clue.clue_id, Approve(1), kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store->outbox()->Pending(kReferralTopic), 1);

  ASSERT_TRUE(store->SetPlanId(father.clue.clue_id, "plan_x").ok());
  EXPECT_EQ(store->GetClue(father.clue.clue_id)->clue.plan_id, "plan_x");
  EXPECT_EQ(store->SetPlanId("clu_missing", "plan_y").code(), absl::StatusCode::kNotFound);
}

TEST(SqliteMatchStoreTest, RecordsWithoutTokenAreSingletonsAndKeepTheirPerson) {
  auto store = OpenStore();
  RecordFacts a = testing::MinimumLiving("ca-7", testing::TestPerson("", "无号甲", Sex::kMale, ""));
  RecordFacts b = testing::MinimumLiving("ca-8", testing::TestPerson("", "无号甲", Sex::kMale, ""));
  ASSERT_TRUE(store->UpsertRecords({a, b}, kNow).ok());
  auto found = store->SearchPersons("", "无号甲", 10);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(2));
  EXPECT_EQ((*found)[0].records[0].link_reason, kLinkSingleton);
  const std::string before = (*found)[0].person_id == (*found)[1].person_id ? "" : "distinct";
  EXPECT_EQ(before, "distinct");

  a.version = 2;
  a.social_assistance.end_date = "2030-01-01";
  ASSERT_TRUE(store->UpsertRecords({a}, kNow).ok());
  auto links = store->ListLinks(0, 10);
  ASSERT_TRUE(links.ok());
  ASSERT_THAT(*links, SizeIs(2));
  std::set<std::string> persons = {(*links)[0].person_id, (*links)[1].person_id};
  EXPECT_EQ(persons, (std::set<std::string>{(*found)[0].person_id, (*found)[1].person_id}));
}

TEST(SqliteMatchStoreTest, ListCluesPagesAndFiltersByStatus) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  auto first = store->ListClues(ClueQuery{std::nullopt, 0, 1});
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->clues, SizeIs(1));
  EXPECT_EQ(first->next_offset, 1);
  auto second = store->ListClues(ClueQuery{std::nullopt, 1, 1});
  ASSERT_TRUE(second.ok());
  ASSERT_THAT(second->clues, SizeIs(1));
  EXPECT_EQ(second->next_offset, -1);
  EXPECT_NE(first->clues[0].clue.clue_id, second->clues[0].clue.clue_id);

  ASSERT_TRUE(store->ReviewClue(first->clues[0].clue.clue_id, Approve(500000), kNow).ok());
  auto approved = store->ListClues(ClueQuery{ClueStatus::kApproved, 0, 10});
  ASSERT_TRUE(approved.ok());
  ASSERT_THAT(approved->clues, SizeIs(1));
  EXPECT_EQ(approved->clues[0].clue.clue_id, first->clues[0].clue.clue_id);
  auto counts = store->CountClues();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[ClueStatus::kApproved], 1);
  EXPECT_EQ((*counts)[ClueStatus::kPendingReview], 1);
}

TEST(SqliteMatchStoreTest, RescoreKeepsIdsAndChangesNothingWithTheSameRules) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  auto result = store->Rescore(kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->persons_scored, 3);
  EXPECT_EQ(result->clues_created + result->clues_updated + result->clues_withdrawn, 0);
}

TEST(SqliteMatchStoreTest, ReopenKeepsEverything) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/match_store_test_", getpid(), "_",
                                       absl::ToUnixNanos(absl::Now()));
  std::filesystem::create_directories(dir);
  std::string clue_id;
  {
    auto store = OpenStore(dir + "/match.db");
    ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
    clue_id = AllClues(*store)[0].clue.clue_id;
    ASSERT_TRUE(store->ReviewClue(clue_id, Approve(400000), kNow).ok());
  }
  {
    auto store = OpenStore(dir + "/match.db");
    auto clue = store->GetClue(clue_id);
    ASSERT_TRUE(clue.ok());
    EXPECT_EQ(clue->clue.status, ClueStatus::kApproved);
    EXPECT_THAT(AllClues(*store), SizeIs(2));
    EXPECT_EQ(*store->outbox()->Pending(kReferralTopic), 1);
    auto again = store->UpsertRecords(testing::StoryRecords(), kNow);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->unchanged, 9);
  }
  std::filesystem::remove_all(dir);
}

TEST(SqliteMatchStoreTest, UnknownIdsAreNotFound) {
  auto store = OpenStore();
  EXPECT_EQ(store->GetClue("clu_nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetPerson("per_nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->ReviewClue("clu_nope", Approve(1), kNow).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->SearchPersons("", "", 5).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::match
