#include "match-service/store/sqlite_match_store.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "common/storage/query_plan.h"
#include "common/testing/process.h"
#include "lifeline/referral/v1/referral_service.pb.h"
#include "match-service/domain/match_engine.h"
#include "match-service/testing/story_fixture.h"
#include <unistd.h>

namespace lifeline::match {
namespace {

ClueQuery QueryOf(std::optional<ClueStatus> status, int offset, int limit) {
  ClueQuery query;
  query.status = status;
  query.offset = offset;
  query.limit = limit;
  return query;
}

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2024, 6, 1, 8, 0, 0), absl::UTCTimeZone());

namespace rv1 = records::v1;

// The store with the engine that writes through it, as main wires them.
class Env {
 public:
  explicit Env(std::unique_ptr<SqliteMatchStore> store, EligibilityRules rules = {})
      : store_(std::move(store)), engine_(store_.get(), ClueScorer(std::move(rules))) {}

  absl::StatusOr<ApplyResult> UpsertRecords(const std::vector<NormalizedRecord>& records,
                                            absl::Time now) {
    return engine_.UpsertRecords(records, now);
  }
  absl::StatusOr<ApplyResult> Rescore(absl::Time now) { return engine_.Rescore(now); }
  absl::StatusOr<ClueView> ReviewClue(const std::string& clue_id, const Review& review,
                                      absl::Time now) {
    absl::StatusOr<ClueStatus> status =
        engine_.ReviewClue(clue_id, review, ReviewAuthority{true, {}}, now);
    if (!status.ok()) return status.status();
    return store_->GetClue(clue_id);
  }
  // Reads go to the store.
  absl::StatusOr<PersonView> GetPerson(const std::string& id) { return store_->GetPerson(id); }
  absl::StatusOr<std::vector<PersonView>> SearchPersons(const std::string& token,
                                                        const std::string& name, int limit) {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, engine_.FindPersons(token, name, limit));
    std::vector<PersonView> persons;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(PersonView person, store_->GetPerson(id));
      persons.push_back(std::move(person));
    }
    return persons;
  }
  absl::StatusOr<CluePage> ListClues(const ClueQuery& query) { return store_->ListClues(query); }
  absl::StatusOr<ClueView> GetClue(const std::string& id) { return store_->GetClue(id); }
  absl::Status SetPlanId(const std::string& id, const std::string& plan) {
    return store_->SetPlanId(id, plan);
  }
  absl::StatusOr<std::vector<RecordLinkView>> ListLinks(int64_t after, int limit) {
    return store_->ListLinks(after, limit);
  }
  absl::StatusOr<std::map<ClueStatus, int64_t>> CountClues() { return store_->CountClues(); }
  common::Outbox* outbox() { return store_->outbox(); }
  common::Database* database() { return store_->database(); }
  SqliteMatchStore* store() { return store_.get(); }
  MatchEngine* engine() { return &engine_; }

 private:
  std::unique_ptr<SqliteMatchStore> store_;
  MatchEngine engine_;
};

std::unique_ptr<Env> OpenStore(const std::string& path = ":memory:", EligibilityRules rules = {}) {
  auto store = SqliteMatchStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::make_unique<Env>(*std::move(store), std::move(rules)) : nullptr;
}

std::vector<ClueView> AllClues(Env& store) {
  auto page = store.ListClues(QueryOf(std::nullopt, 0, 500));
  EXPECT_TRUE(page.ok()) << page.status();
  return page.ok() ? page->clues : std::vector<ClueView>{};
}

const ClueView* ClueOf(const std::vector<ClueView>& clues, const std::string& name) {
  for (const ClueView& c : clues) {
    if (c.person_name == name) return &c;
  }
  return nullptr;
}

NormalizedRecord Retraction(const NormalizedRecord& r, int64_t version) {
  NormalizedRecord out;
  out.set_agency(r.agency());
  out.set_source_record_id(r.source_record_id());
  out.set_version(version);
  out.set_record_date(r.record_date());
  out.set_retracted(true);
  return out;
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
  // 60 + 20 + 15 + the mother's women's federation record at 0.75 x 10, before
  // 60 + 20 + 10 + the father's disability at 0.75 x 15.
  EXPECT_EQ(clues[0].person_name, "测试父");
  EXPECT_EQ(clues[1].person_name, "测试母");
  EXPECT_DOUBLE_EQ(clues[0].clue.candidate.score, 102.5);
  EXPECT_DOUBLE_EQ(clues[1].clue.candidate.score, 101.25);
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
  EXPECT_EQ(person->person.birth_date(), "1968-01-15");
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
  NormalizedRecord paid = testing::EnforcementRecord(83000000, rv1::Enforcement::STATUS_CONCLUDED);
  paid.set_version(2);
  auto result = store->UpsertRecords({paid}, kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->applied, 1);
  EXPECT_EQ(result->clues_updated, 2);  // both parents, through the case: now paid in full
  EXPECT_THAT(AllClues(*store), IsEmpty());

  auto stale = store->UpsertRecords({testing::EnforcementRecord()}, kNow);  // version 1
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->unchanged, 1);
  EXPECT_THAT(AllClues(*store), IsEmpty());
}

TEST(SqliteMatchStoreTest, RetractionForgetsFactsAndWithdrawsAPendingClue) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView mother_clue = *ClueOf(AllClues(*store), "测试母");
  const std::string mother_id = mother_clue.clue.candidate.person_id;
  ASSERT_THAT(mother_clue.clue.history, SizeIs(1));
  EXPECT_EQ(mother_clue.clue.history[0].kind, kEventCreated);
  EXPECT_EQ(mother_clue.clue.history[0].actor, "records");

  // The procuratorate retracts the mother's near-relative record: her clue loses its basis.
  const absl::Time later = kNow + absl::Hours(2);
  const NormalizedRecord relative = testing::RelativeRecord("pr-2", testing::Mother());
  auto result = store->UpsertRecords({Retraction(relative, 2)}, later);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->clues_withdrawn, 1);
  auto clues = AllClues(*store);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].person_name, "测试父");
  // No longer a fellow dependant, her women's federation record leaves the father's clue.
  EXPECT_DOUBLE_EQ(clues[0].clue.candidate.score, 95);

  // The withdrawn clue is kept, with why, and listed only on request.
  auto withdrawn = store->GetClue(mother_clue.clue.clue_id);
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_EQ(withdrawn->clue.status, ClueStatus::kWithdrawn);
  ASSERT_THAT(withdrawn->clue.history, SizeIs(2));
  const ClueEvent& why = withdrawn->clue.history[1];
  EXPECT_EQ(why.kind, kEventWithdrawn);
  EXPECT_EQ(why.time, "2024-06-01T10:00:00Z");
  EXPECT_NE(why.detail.find("procuratorate pr-2"), std::string::npos) << why.detail;
  auto listed = store->ListClues(QueryOf(ClueStatus::kWithdrawn, 0, 10));
  ASSERT_TRUE(listed.ok());
  ASSERT_THAT(listed->clues, SizeIs(1));

  auto mother = store->GetPerson(mother_id);
  ASSERT_TRUE(mother.ok());
  EXPECT_THAT(mother->records, SizeIs(2));  // her two hardship records are left
  auto links = store->ListLinks(0, 100);
  ASSERT_TRUE(links.ok());
  EXPECT_THAT(*links, SizeIs(8));

  // The record is corrected and sent again: the same clue comes back, pending.
  NormalizedRecord again = relative;
  again.set_version(3);
  ASSERT_TRUE(store->UpsertRecords({again}, later + absl::Hours(1)).ok());
  auto restored = store->GetClue(mother_clue.clue.clue_id);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->clue.status, ClueStatus::kPendingReview);
  ASSERT_THAT(restored->clue.history, SizeIs(3));
  EXPECT_EQ(restored->clue.history[2].kind, kEventRestored);
  EXPECT_THAT(AllClues(*store), SizeIs(2));
}

// Both parents depended on their killed son: one family, whose hardship records are each
// other's (DOMAIN.md's story family: both clues list the minimum living security, the
// disability and the women's federation record).
TEST(SqliteMatchStoreTest, TheDependantsOfOneVictimShareTheirHardship) {
  auto rules_tier = [](double score) { return EligibilityRules{}.TierOf(score); };
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  // Each parent's own minimum-living record (a signal one has is not counted twice).
  for (const auto& [parent, own] : {std::pair{"测试父", "ca-1"}, std::pair{"测试母", "ca-2"}}) {
    const ClueView clue = *ClueOf(AllClues(*store), parent);
    EXPECT_EQ(rules_tier(clue.clue.candidate.score), Tier::kHigh) << parent;
    std::set<std::string> records;
    for (const Evidence& e : clue.clue.candidate.evidence) records.insert(e.source_record_id);
    for (const char* id : {"cj-1", "ce-1", own, "dp-1", "wf-1"}) {
      EXPECT_TRUE(records.contains(id)) << parent << " lacks " << id;
    }
  }
  // The father's disability certificate arrives last: the mother is re-scored too.
  std::vector<NormalizedRecord> without_certificate;
  for (const NormalizedRecord& r : testing::StoryRecords()) {
    if (r.source_record_id() != "dp-1") without_certificate.push_back(r);
  }
  auto fresh = OpenStore();
  ASSERT_TRUE(fresh->UpsertRecords(without_certificate, kNow).ok());
  const double before = ClueOf(AllClues(*fresh), "测试母")->clue.candidate.score;
  for (const NormalizedRecord& r : testing::StoryRecords()) {
    if (r.source_record_id() == "dp-1") {
      ASSERT_TRUE(fresh->UpsertRecords({r}, kNow).ok());
    }
  }
  const ClueView mother = *ClueOf(AllClues(*fresh), "测试母");
  EXPECT_DOUBLE_EQ(mother.clue.candidate.score, before + 0.75 * 15);
  EXPECT_THAT(mother.clue.candidate.hardship_signals, Contains("household_disability_grade_2"));
}

TEST(SqliteMatchStoreTest, AHouseholdMembersHardshipRecordRaisesAndRetractingItWithdrawsAClue) {
  auto store = OpenStore();
  // A seriously injured victim, offender at large, in household H-1, on no list himself.
  NormalizedRecord victim = testing::VictimRecord();
  *victim.mutable_person() = testing::Father();
  victim.mutable_person()->set_household_id("H-1");
  rv1::CriminalVictim* facts = victim.mutable_record()->mutable_criminal_victim();
  facts->set_harm(rv1::CriminalVictim::HARM_SERIOUS_INJURY);
  facts->mutable_criminal_case()->set_offender_status(rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE);
  ASSERT_TRUE(store->UpsertRecords({victim}, kNow).ok());
  EXPECT_THAT(AllClues(*store), IsEmpty());

  // The household head's minimum-living record arrives in a later batch: the victim is re-scored.
  NormalizedRecord head = testing::MinimumLiving("ca-2", testing::Mother());
  head.mutable_person()->set_household_id("H-1");
  NormalizedRecord elsewhere =
      testing::MinimumLiving("ca-3", testing::TestPerson("", "测试邻", rv1::SEX_MALE, ""));
  elsewhere.mutable_person()->set_household_id("H-2");
  auto added = store->UpsertRecords({head, elsewhere}, kNow);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->clues_created, 1);
  auto clues = AllClues(*store);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_EQ(clues[0].person_name, "测试父");
  EXPECT_EQ(clues[0].clue.candidate.category, Category::kSeriousInjury);
  EXPECT_THAT(clues[0].clue.candidate.hardship_signals,
              ::testing::ElementsAre("household_rural_minimum_living"));

  // The head's record retracted: the household's hardship is gone, and the pending clue with it.
  auto retracted = store->UpsertRecords({Retraction(head, 2)}, kNow);
  ASSERT_TRUE(retracted.ok()) << retracted.status();
  EXPECT_EQ(retracted->clues_withdrawn, 1);
  EXPECT_THAT(AllClues(*store), IsEmpty());
}

// A victim whose records carry no household id (the court's and the procuratorate's do not) is
// of the household living at the same dwelling: an address down to the house number.
TEST(SqliteMatchStoreTest, WithoutAHouseholdIdTheDwellingTellsTheHousehold) {
  const std::string home = "安徽省测试县测试镇测试村九组40号";
  auto victim_at = [](const std::string& address, const std::string& household) {
    NormalizedRecord victim = testing::VictimRecord();
    *victim.mutable_person() = testing::Father();
    victim.mutable_person()->set_address(address);
    victim.mutable_person()->set_household_id(household);
    rv1::CriminalVictim* facts = victim.mutable_record()->mutable_criminal_victim();
    facts->set_harm(rv1::CriminalVictim::HARM_SERIOUS_INJURY);
    facts->mutable_criminal_case()->set_offender_status(
        rv1::CriminalCase::OFFENDER_STATUS_AT_LARGE);
    return victim;
  };
  NormalizedRecord head = testing::MinimumLiving("ca-2", testing::Mother());
  head.mutable_person()->set_household_id("H-1");
  head.mutable_person()->set_address(home);

  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords({victim_at("安徽省测试县测试镇测试村九组40号", "")}, kNow).ok());
  EXPECT_THAT(AllClues(*store), IsEmpty());
  // The head's minimum-living record at that address arrives later: the victim is re-scored.
  auto added = store->UpsertRecords({head}, kNow);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->clues_created, 1);
  auto clues = AllClues(*store);
  ASSERT_THAT(clues, SizeIs(1));
  EXPECT_THAT(clues[0].clue.candidate.hardship_signals,
              ::testing::ElementsAre("household_rural_minimum_living"));
  EXPECT_TRUE(std::any_of(
      clues[0].clue.candidate.evidence.begin(), clues[0].clue.candidate.evidence.end(),
      [](const Evidence& e) { return e.source_record_id == "ca-2" && e.role == kRoleHardship; }));
  // Retracted: the clue goes with it.
  ASSERT_TRUE(store->UpsertRecords({Retraction(head, 2)}, kNow).ok());
  EXPECT_THAT(AllClues(*store), IsEmpty());

  // Not a dwelling: an address without a house or room number, another house number; and a
  // victim whose own household id names another household.
  for (const auto& [address, household] :
       {std::pair<std::string, std::string>{"安徽省测试县测试镇测试村九组", ""},
        {"安徽省测试县测试镇测试村九组41号", ""},
        {"安徽省测试县测试镇测试村九组40号", "H-9"}}) {
    auto other = OpenStore();
    head.mutable_person()->set_address(address.ends_with("组") ? address : home);
    ASSERT_TRUE(other->UpsertRecords({victim_at(address, household), head}, kNow).ok());
    EXPECT_THAT(AllClues(*other), IsEmpty()) << address << " " << household;
  }
}

TEST(SqliteMatchStoreTest, AnExcludedCandidateIsKeptOutOfTheListUntilTheRecordIsCorrected) {
  auto store = OpenStore();
  std::vector<NormalizedRecord> world = testing::StoryRecords();
  world[0].mutable_record()->mutable_criminal_victim()->set_victim_major_fault(true);
  ASSERT_TRUE(store->UpsertRecords(world, kNow).ok());
  EXPECT_THAT(AllClues(*store), IsEmpty());  // not clues

  auto excluded = store->ListClues(QueryOf(ClueStatus::kExcluded, 0, 10));
  ASSERT_TRUE(excluded.ok()) << excluded.status();
  ASSERT_THAT(excluded->clues, SizeIs(2));  // both parents, visible through the filter
  const ClueView father = *ClueOf(excluded->clues, "测试父");
  EXPECT_THAT(father.clue.candidate.exclusions, ::testing::ElementsAre(kExclusionMajorFault));
  EXPECT_EQ(store->ReviewClue(father.clue.clue_id, Approve(500000), kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // The procuratorate corrects the victim's record: the same clues become pending.
  NormalizedRecord corrected = testing::VictimRecord();
  corrected.set_version(2);
  ASSERT_TRUE(store->UpsertRecords({corrected}, kNow).ok());
  auto clues = AllClues(*store);
  ASSERT_THAT(clues, SizeIs(2));
  const ClueView* again = ClueOf(clues, "测试父");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->clue.clue_id, father.clue.clue_id);
  EXPECT_EQ(again->clue.status, ClueStatus::kPendingReview);
  EXPECT_THAT(again->clue.candidate.exclusions, IsEmpty());
  EXPECT_TRUE(store->ReviewClue(again->clue.clue_id, Approve(500000), kNow).ok());
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
  ASSERT_TRUE(
      store
          ->UpsertRecords({Retraction(testing::RelativeRecord("pr-2", testing::Mother()), 2)}, kNow)
          .ok());
  auto kept = store->GetClue(mother.clue.clue_id);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->clue.status, ClueStatus::kMoreInfoRequested);
  EXPECT_TRUE(kept->clue.unsupported);
  EXPECT_THAT(kept->clue.reviews, SizeIs(1));
}

TEST(SqliteMatchStoreTest, ApprovalQueuesThePlanRequestAndIsFinal) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView father = *ClueOf(AllClues(*store), "测试父");
  EXPECT_EQ(store->ReviewClue(father.clue.clue_id, Approve(864000 * 36 + 1), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(*store->outbox()->Pending(kReferralTopic), 0);

  auto approved = store->ReviewClue(father.clue.clue_id, Approve(1000000), kNow);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->clue.status, ClueStatus::kApproved);
  ASSERT_THAT(approved->clue.reviews, SizeIs(1));
  EXPECT_EQ(approved->clue.reviews[0].reviewer, "proc-1");
  ASSERT_THAT(approved->clue.history, SizeIs(2));
  EXPECT_EQ(approved->clue.history[1].kind, kEventReviewed);
  EXPECT_EQ(approved->clue.history[1].actor, "proc-1");
  EXPECT_EQ(approved->clue.history[1].detail.rfind("approved 10000.00 yuan", 0), 0u)
      << approved->clue.history[1].detail;

  auto due = store->outbox()->Due(kReferralTopic, 10, INT64_MAX);
  ASSERT_TRUE(due.ok());
  ASSERT_THAT(*due, SizeIs(1));
  referral::v1::CreatePlanRequest plan;
  ASSERT_TRUE(plan.ParseFromString((*due)[0].payload));
  EXPECT_EQ(plan.clue_id(), father.clue.clue_id);
  EXPECT_EQ(plan.approved_amount_fen(), 1000000);
  EXPECT_EQ(plan.category(), "CATEGORY_DEPENDANT_OF_DECEASED");
  EXPECT_EQ(plan.case_number(), testing::kStoryCase);
  EXPECT_EQ(plan.approved_by(), "proc-1");
  EXPECT_EQ(plan.person().name(), "测试父");
  EXPECT_EQ(plan.person().person_id(), father.clue.candidate.person_id);
  EXPECT_EQ(plan.person().sex(), rv1::SEX_MALE);
  EXPECT_THAT(plan.needs(), Contains("disability"));

  EXPECT_EQ(store->ReviewClue(father.clue.clue_id, Approve(1), kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store->outbox()->Pending(kReferralTopic), 1);

  ASSERT_TRUE(store->SetPlanId(father.clue.clue_id, "plan_x").ok());
  EXPECT_EQ(store->GetClue(father.clue.clue_id)->clue.plan_id, "plan_x");
  EXPECT_EQ(store->SetPlanId("clu_missing", "plan_y").code(), absl::StatusCode::kNotFound);
}

// A verification request and then its answer are kept on the clue as evidence and noted in its
// history once each; an answer is never replaced by the request arriving late; unknown clues are
// NotFound.
TEST(SqliteMatchStoreTest, VerificationsAreKeptOnTheClueWithTheirHistory) {
  auto store = OpenStore();
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView father = *ClueOf(AllClues(*store), "测试父");
  const std::string& id = father.clue.clue_id;
  ClueVerification asked{"ver_1",
                         "village_committee",
                         "hardship since the death?",
                         "REQUESTED",
                         "proc-1",
                         "2026-11-26T02:00:00Z",
                         "2026-12-01",
                         "",
                         {},
                         "",
                         ""};
  ClueVerification escalated = asked;
  escalated.escalated_time = "2026-12-02T00:00:05Z";
  ClueVerification answered = escalated;
  answered.state = "CONFIRMED";
  answered.answer_note = "visited";
  answered.attachments = {"visit.pdf (application/pdf, 10 bytes, sha256 ab)"};
  answered.answered_by = "vc-desk";
  answered.answered_time = "2026-12-03T02:00:00Z";

  EXPECT_TRUE(store->store()->RecordVerification(id, asked).value());
  EXPECT_FALSE(store->store()->RecordVerification(id, asked).value());  // the same again
  ClueView shown = store->GetClue(id).value();
  ASSERT_THAT(shown.clue.verifications, SizeIs(1));
  EXPECT_EQ(shown.clue.verifications[0], asked);
  EXPECT_EQ(shown.clue.history.back().kind, kEventVerificationRequested);
  EXPECT_EQ(shown.clue.history.back().actor, "proc-1");
  EXPECT_EQ(shown.clue.history.back().detail, "village_committee: hardship since the death?");

  // No answer by the respond-by day: referral-service's escalation is noted once.
  EXPECT_TRUE(store->store()->RecordVerification(id, escalated).value());
  EXPECT_FALSE(store->store()->RecordVerification(id, escalated).value());
  EXPECT_FALSE(store->store()->RecordVerification(id, asked).value());  // late: kept escalated
  shown = store->GetClue(id).value();
  EXPECT_EQ(shown.clue.verifications[0].escalated_time, "2026-12-02T00:00:05Z");
  EXPECT_EQ(shown.clue.history.back().kind, kEventVerificationOverdue);
  EXPECT_EQ(shown.clue.history.back().time, "2026-12-02T00:00:05Z");
  EXPECT_EQ(shown.clue.history.back().detail,
            "village_committee: no answer by 2026-12-01, escalated to proc-1");

  EXPECT_TRUE(store->store()->RecordVerification(id, answered).value());
  EXPECT_FALSE(store->store()->RecordVerification(id, asked).value());  // late: kept answered
  EXPECT_FALSE(store->store()->RecordVerification(id, escalated).value());
  EXPECT_FALSE(store->store()->RecordVerification(id, answered).value());
  shown = store->GetClue(id).value();
  ASSERT_THAT(shown.clue.verifications, SizeIs(1));
  EXPECT_EQ(shown.clue.verifications[0], answered);
  const size_t steps = shown.clue.history.size();
  EXPECT_EQ(shown.clue.history[steps - 1].kind, kEventVerificationAnswered);
  EXPECT_EQ(shown.clue.history[steps - 1].actor, "village_committee · vc-desk");
  EXPECT_EQ(shown.clue.history[steps - 1].detail, "CONFIRMED — visited");
  EXPECT_EQ(shown.clue.history[steps - 2].kind, kEventVerificationOverdue);
  EXPECT_EQ(shown.clue.history[steps - 3].kind, kEventVerificationRequested);

  // Copies arriving in the reverse order (the request's and the escalation's lost or late): the
  // answer brings all three steps, in the order they happened, and the late ones add nothing.
  const ClueView mother = *ClueOf(AllClues(*store), "测试母");
  ClueVerification other = answered;
  other.verification_id = "ver_2";
  EXPECT_TRUE(store->store()->RecordVerification(mother.clue.clue_id, other).value());
  ClueVerification other_escalated = escalated;
  other_escalated.verification_id = "ver_2";
  EXPECT_FALSE(store->store()->RecordVerification(mother.clue.clue_id, other_escalated).value());
  shown = store->GetClue(mother.clue.clue_id).value();
  ASSERT_GE(shown.clue.history.size(), 3u);
  const size_t n = shown.clue.history.size();
  EXPECT_EQ(shown.clue.history[n - 3].kind, kEventVerificationRequested);
  EXPECT_EQ(shown.clue.history[n - 2].kind, kEventVerificationOverdue);
  EXPECT_EQ(shown.clue.history[n - 1].kind, kEventVerificationAnswered);
  EXPECT_EQ(shown.clue.verifications[0], other);

  // Rescoring the clue keeps its verifications (they are not derived from records).
  ASSERT_TRUE(store->Rescore(kNow).ok());
  EXPECT_THAT(store->GetClue(id)->clue.verifications, SizeIs(1));
  EXPECT_EQ(store->store()->RecordVerification("clu_missing", asked).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SqliteMatchStoreTest, RecordsWithoutTokenAreSingletonsAndKeepTheirPerson) {
  auto store = OpenStore();
  NormalizedRecord a =
      testing::MinimumLiving("ca-7", testing::TestPerson("", "无号甲", rv1::SEX_MALE, ""));
  NormalizedRecord b =
      testing::MinimumLiving("ca-8", testing::TestPerson("", "无号甲", rv1::SEX_MALE, ""));
  ASSERT_TRUE(store->UpsertRecords({a, b}, kNow).ok());
  auto found = store->SearchPersons("", "无号甲", 10);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(2));
  EXPECT_EQ((*found)[0].records[0].link_reason, kLinkSingleton);
  const std::string before = (*found)[0].person_id == (*found)[1].person_id ? "" : "distinct";
  EXPECT_EQ(before, "distinct");

  a.set_version(2);
  a.mutable_record()->mutable_social_assistance()->set_end_date("2030-01-01");
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
  auto first = store->ListClues(QueryOf(std::nullopt, 0, 1));
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->clues, SizeIs(1));
  EXPECT_EQ(first->next_offset, 1);
  auto second = store->ListClues(QueryOf(std::nullopt, 1, 1));
  ASSERT_TRUE(second.ok());
  ASSERT_THAT(second->clues, SizeIs(1));
  EXPECT_EQ(second->next_offset, -1);
  EXPECT_NE(first->clues[0].clue.clue_id, second->clues[0].clue.clue_id);

  ASSERT_TRUE(store->ReviewClue(first->clues[0].clue.clue_id, Approve(500000), kNow).ok());
  auto approved = store->ListClues(QueryOf(ClueStatus::kApproved, 0, 10));
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

// A start with other rules re-scores once and updates the clues in place; the same rules again
// change nothing.
TEST(SqliteMatchStoreTest, ARuleChangeAtStartUpRescoresCluesInPlaceOnce) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/match_rules_test_", getpid(), "_",
                                       absl::ToUnixNanos(absl::Now()));
  std::filesystem::create_directories(dir);
  std::set<std::string> ids;
  {
    auto store = OpenStore(dir + "/match.db");
    ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
    // The first start has no fingerprint stored: it re-scores (changing nothing) and stores it.
    auto first = store->engine()->RescoreIfRulesChanged("rules-a", kNow);
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(first->has_value());
    EXPECT_EQ((*first)->clues_updated, 0);
    auto again = store->engine()->RescoreIfRulesChanged("rules-a", kNow);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->has_value());
    for (const ClueView& clue : AllClues(*store)) {
      ids.insert(clue.clue.clue_id);
      EXPECT_EQ(clue.clue.candidate.suggested_amount.point_fen, 6 * 864000);
    }
  }
  EligibilityRules fewer_months;
  fewer_months.dependant_of_deceased_months = 2;
  auto store = OpenStore(dir + "/match.db", fewer_months);
  auto changed = store->engine()->RescoreIfRulesChanged("rules-b", kNow + absl::Hours(1));
  ASSERT_TRUE(changed.ok()) << changed.status();
  ASSERT_TRUE(changed->has_value());
  EXPECT_EQ((*changed)->clues_updated, 2);
  EXPECT_EQ((*changed)->clues_created, 0);
  EXPECT_EQ((*changed)->clues_withdrawn, 0);
  std::set<std::string> after;
  for (const ClueView& clue : AllClues(*store)) {
    after.insert(clue.clue.clue_id);
    EXPECT_EQ(clue.clue.candidate.suggested_amount.point_fen, 4 * 864000);
  }
  EXPECT_EQ(after, ids);
  EXPECT_FALSE(store->engine()->RescoreIfRulesChanged("rules-b", kNow)->has_value());
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

// A clue read again before the next commit comes from the kept view; a commit (a review here)
// makes it stale, and the next read shows the change.
TEST(SqliteMatchStoreTest, ClueViewsAreKeptUntilTheNextCommit) {
  common::testing::TempDir dir;
  auto store = OpenStore(dir.path() + "/match.db");
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView father = *ClueOf(AllClues(*store), "测试父");
  SqliteMatchStore* sqlite = store->store();
  const int64_t hits = sqlite->clue_view_hits();
  ASSERT_TRUE(sqlite->GetClue(father.clue.clue_id).ok());
  absl::StatusOr<ClueView> again = sqlite->GetClue(father.clue.clue_id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(sqlite->clue_view_hits(), hits + 1);
  EXPECT_EQ(again->clue.status, ClueStatus::kPendingReview);
  EXPECT_FALSE(again->family.empty());

  ASSERT_TRUE(
      store->engine()
          ->ReviewClue(father.clue.clue_id, Approve(500000), ReviewAuthority{true, {}}, kNow)
          .ok());
  absl::StatusOr<ClueView> reviewed = sqlite->GetClue(father.clue.clue_id);
  ASSERT_TRUE(reviewed.ok());
  EXPECT_EQ(sqlite->clue_view_hits(), hits + 1);
  EXPECT_EQ(reviewed->clue.status, ClueStatus::kApproved);
  EXPECT_EQ(reviewed->clue.reviews.size(), 1u);
  ASSERT_TRUE(sqlite->GetClue(father.clue.clue_id).ok());
  EXPECT_EQ(sqlite->clue_view_hits(), hits + 2);
  EXPECT_EQ(sqlite->GetClue("clu_missing").status().code(), absl::StatusCode::kNotFound);

  // Lists keep their rows apart from GetClue's views, on the same terms: the first list after
  // the review reads every row afresh (and shows it), the next one reads none.
  const int64_t lists_before = sqlite->clue_view_hits();
  const std::vector<ClueView> listed = AllClues(*store);
  EXPECT_EQ(sqlite->clue_view_hits(), lists_before);
  EXPECT_EQ(ClueOf(listed, "测试父")->clue.status, ClueStatus::kApproved);
  EXPECT_TRUE(ClueOf(listed, "测试父")->family.empty());  // a list's rows carry no family
  EXPECT_EQ(AllClues(*store).size(), listed.size());
  EXPECT_EQ(sqlite->clue_view_hits(), lists_before + static_cast<int64_t>(listed.size()));
}

TEST(SqliteMatchStoreTest, NoStatementScansATableThatGrowsWithTheData) {
  // A file database, so reads compile on the read pool's connections as in production.
  common::testing::TempDir dir;
  auto store = OpenStore(dir.path() + "/match.db");
  ASSERT_TRUE(store->UpsertRecords(testing::StoryRecords(), kNow).ok());
  const ClueView father = *ClueOf(AllClues(*store), "测试父");
  const ClueView mother = *ClueOf(AllClues(*store), "测试母");
  ASSERT_TRUE(store->ReviewClue(father.clue.clue_id, Approve(500000), kNow).ok());
  ASSERT_TRUE(store
                  ->ReviewClue(mother.clue.clue_id,
                               Review{Decision::kRequestInfo, 0, "visit", "proc-1", ""}, kNow)
                  .ok());
  ASSERT_TRUE(
      store
          ->UpsertRecords({Retraction(testing::WomenDifficulty(), 2),
                           Retraction(testing::MinimumLiving("ca-2", testing::Mother()), 2),
                           testing::MinimumLiving(
                               "ca-9", testing::TestPerson("", "无号乙", rv1::SEX_MALE, ""))},
                          kNow)
          .ok());
  ASSERT_TRUE(store->SearchPersons(testing::kFatherToken, "", 5).ok());
  ASSERT_TRUE(store->SearchPersons(testing::kFatherToken, "测试父", 5).ok());
  ASSERT_TRUE(store->SearchPersons("", "测试父", 5).ok());
  ASSERT_TRUE(store->ListLinks(0, 5).ok());
  std::vector<ClueQuery> list_queries(3, QueryOf(ClueStatus::kApproved, 0, 5));
  list_queries[1].order = ClueOrder::kAge;
  list_queries[2].regions = {"3415", "3401"};
  list_queries[2].category = Category::kSeriousInjury;
  for (const ClueQuery& query : list_queries) ASSERT_TRUE(store->ListClues(query).ok());
  ASSERT_TRUE(store->CountClues().ok());
  ASSERT_TRUE(store->SetPlanId(father.clue.clue_id, "plan_1").ok());
  ClueVerification asked{"ver_1",
                         "village_committee",
                         "hardship?",
                         "REQUESTED",
                         "proc-1",
                         "2026-11-26T02:00:00Z",
                         "2026-12-01",
                         "",
                         {},
                         "",
                         ""};
  ASSERT_TRUE(store->store()->RecordVerification(mother.clue.clue_id, asked).ok());
  ASSERT_TRUE(store->outbox()->Due(kReferralTopic, 5, INT64_MAX).ok());
  ASSERT_TRUE(store->Rescore(kNow).ok());
  // A clue with its case's other clues and its family; a dry run; rules changed at start-up.
  ASSERT_TRUE(store->GetClue(mother.clue.clue_id).ok());
  ASSERT_TRUE(store->engine()->PreviewRules(EligibilityRules{}, kNow).ok());
  ASSERT_TRUE(store->engine()->RescoreIfRulesChanged("rules-plan", kNow).ok());
  // Identity resolution's reads and writes.
  auto links = store->ListLinks(0, 5);
  ASSERT_TRUE(links.ok());
  ASSERT_GE(links->size(), 2u);
  const RecordKey a{(*links)[0].agency, (*links)[0].source_record_id};
  const RecordKey b{(*links)[1].agency, (*links)[1].source_record_id};
  ASSERT_TRUE(store->GetPerson((*links)[0].person_id).ok());
  ASSERT_TRUE(store->engine()->ExplainPair(a, b).ok());
  ASSERT_TRUE(store->engine()->ResolvePossibleMatch(a, b, false, "proc-1", "", kNow).ok());
  ASSERT_TRUE(store->store()->ListPossibleMatches(0, 5).ok());
  ASSERT_TRUE(store->engine()->CurrentLinkModel().ok());
  ASSERT_TRUE(store->engine()->RelinkAll(kNow).ok());

  common::QueryPlanPolicy policy;
  // One row per topic; the linkage state is one row.
  policy.small_tables = {"outbox_pending", "link_state"};
  for (const char* sql :
       {SqliteMatchStore::kCountCluesSql, SqliteMatchStore::kScorablePersonsSql,
        SqliteMatchStore::kRankedPossibleMatchesSql, SqliteMatchStore::kAllLiveRecordsSql,
        SqliteMatchStore::kAllMatchReviewsSql, SqliteMatchStore::kClearPossibleMatchesSql,
        SqliteMatchStore::kAllPossibleMatchPairsSql}) {
    policy.whole_table_statements[sql] = "by purpose (sqlite_match_store.h)";
  }
  for (const ClueQuery& query : list_queries) {
    policy.whole_table_statements[SqliteMatchStore::ListCluesSql(query)] =
        "ranked paging (sqlite_match_store.h)";
  }
  common::Database* db = store->database();
  const std::vector<std::string> compiled = store->store()->CompiledSql();
  // The reads (among them the clue view's) ran on the readers and are checked too.
  EXPECT_NE(std::find(compiled.begin(), compiled.end(),
                      "SELECT agency, source_record_id, field, value, date, role FROM evidence "
                      "WHERE clue_id = ? ORDER BY seq"),
            compiled.end());
  auto scans = common::FindFullScans(db, compiled, policy);
  ASSERT_TRUE(scans.ok()) << scans.status();
  EXPECT_THAT(*scans, IsEmpty());
}

// A database written by the schema before version 4 (facts as text, a REAL score column, the
// "no longer supported" flag among the exclusions) upgrades in place and keeps working.
TEST(SqliteMatchStoreTest, VersionThreeDatabaseUpgradesInPlace) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/match_upgrade_test_", getpid(), "_",
                                       absl::ToUnixNanos(absl::Now()));
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/match.db";
  {
    auto db = common::Database::Open(path);
    ASSERT_TRUE(db.ok()) << db.status();
    std::vector<common::Migration> old = SqliteMatchStore::Migrations();
    old.erase(old.begin() + 3, old.end());
    ASSERT_TRUE((*db)->Migrate(old).ok());
    const char* kFather =
        "person.id_token=aaaa000000000000000000000000000000000000000000000000000000000002\n"
        "person.id_masked=3415**********000X\nperson.name_original="
        "\xe6\xb5\x8b\xe8\xaf\x95\xe7\x88\xb6\n"
        "person.name_normalized=\xe6\xb5\x8b\xe8\xaf\x95\xe7\x88\xb6\nperson.sex=1\n"
        "person.birth_date=1968-01-15\n";
    ASSERT_TRUE(
        (*db)
            ->Run([&]() -> absl::Status {
              RETURN_IF_ERROR(
                  (*db)->Execute("INSERT INTO persons VALUES ('per_f', ?, '2024-01-01T00:00:00Z')",
                                 testing::kFatherToken));
              RETURN_IF_ERROR((*db)->Execute(
                  "INSERT INTO records (agency, source_record_id, version, retracted, kind, "
                  "person_id, link_reason, case_number, victim_record_id, id_token, "
                  "name_normalized, record_date, facts, updated_time) VALUES ('civil_affairs', "
                  "'ca-1', 1, 0, 6, 'per_f', 'id_token', '', '', ?, ?, '2023-09-01', ?, "
                  "'2024-01-01T00:00:00Z')",
                  testing::kFatherToken, "测试父",
                  absl::StrCat("agency=civil_affairs\nsource_record_id=ca-1\nversion=1\n"
                               "record_date=2023-09-01\nretracted=0\nkind=6\n",
                               kFather,
                               "social_assistance.programme=2\n"
                               "social_assistance.start_date=2021-05-01\n")));
              RETURN_IF_ERROR((*db)->Execute(
                  "INSERT INTO clues (clue_id, person_id, case_number, category, status, score, "
                  "min_fen, max_fen, hardship_signals, possible_exclusions, needs, fingerprint, "
                  "created_time, updated_time) VALUES ('clu_old', 'per_f', ?, 3, 4, 95000000, "
                  "300000, 500000, 'rural_minimum_living', "
                  "'victim_major_fault,data_no_longer_supports_clue', 'bereavement', '', "
                  "'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
                  testing::kStoryCase));
              return absl::OkStatus();
            })
            .ok());
  }
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  auto person = store->GetPerson("per_f");
  ASSERT_TRUE(person.ok()) << person.status();
  EXPECT_EQ(person->person.name_original(), "测试父");
  EXPECT_EQ(person->person.sex(), rv1::SEX_MALE);
  ASSERT_THAT(person->records, SizeIs(1));
  EXPECT_EQ(person->records[0].kind, rv1::Record::kSocialAssistance);

  auto clue = store->GetClue("clu_old");
  ASSERT_TRUE(clue.ok()) << clue.status();
  EXPECT_DOUBLE_EQ(clue->clue.candidate.score, 95);
  EXPECT_TRUE(clue->clue.unsupported);
  EXPECT_THAT(clue->clue.candidate.possible_exclusions,
              ::testing::ElementsAre("victim_major_fault"));

  // The upgraded record is read by the engine like a new one: a resend changes nothing.
  auto resend = store->UpsertRecords({testing::MinimumLiving("ca-1", testing::Father())}, kNow);
  ASSERT_TRUE(resend.ok()) << resend.status();
  EXPECT_EQ(resend->unchanged, 1);
  store.reset();
  std::filesystem::remove_all(dir);
}

TEST(SqliteMatchStoreTest, RecordsWithoutAgencyIdOrPayloadAreRejected) {
  auto store = OpenStore();
  NormalizedRecord no_agency = testing::FatherDisability();
  no_agency.clear_agency();
  NormalizedRecord no_payload = testing::FatherDisability();
  no_payload.clear_record();
  for (const NormalizedRecord& bad : {no_agency, no_payload}) {
    auto result = store->UpsertRecords({testing::VictimRecord(), bad}, kNow);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  }
  // Nothing of the batch was stored.
  EXPECT_THAT(*store->ListLinks(0, 10), IsEmpty());
}

// Runs transactions on the store and, when told to, fails one after its work is done, as a
// failed commit would: the store rolls it back.
class FailingRunner : public MatchTransactionRunner {
 public:
  explicit FailingRunner(SqliteMatchStore* store) : store_(store) {}
  absl::Status InTransaction(const std::function<absl::Status(MatchTransaction&)>& fn) override {
    return store_->InTransaction([&](MatchTransaction& tx) -> absl::Status {
      RETURN_IF_ERROR(fn(tx));
      if (fail_next) {
        fail_next = false;
        return absl::UnavailableError("injected commit failure");
      }
      return absl::OkStatus();
    });
  }
  bool fail_next = false;

 private:
  SqliteMatchStore* store_;
};

TEST(SqliteMatchStoreTest, ARolledBackBatchLeavesNoTraceInTheLinkIndex) {
  auto store = SqliteMatchStore::Open(":memory:");
  ASSERT_TRUE(store.ok()) << store.status();
  FailingRunner runner(store->get());
  MatchEngine engine(&runner, ClueScorer(EligibilityRules{}));
  const NormalizedRecord victim = testing::VictimRecord();
  const NormalizedRecord father = testing::FatherDisability();
  const RecordKey victim_key{victim.agency(), victim.source_record_id()};
  const RecordKey father_key{father.agency(), father.source_record_id()};
  ASSERT_TRUE(engine.UpsertRecords({victim}, kNow).ok());

  runner.fail_next = true;
  EXPECT_EQ(engine.UpsertRecords({father}, kNow).status().code(), absl::StatusCode::kUnavailable);
  auto model = engine.CurrentLinkModel();
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->model.live_records, 1);
  EXPECT_EQ(engine.ExplainPair(victim_key, father_key).status().code(),
            absl::StatusCode::kNotFound);

  // Sent again, the record is stored and indexed.
  ASSERT_TRUE(engine.UpsertRecords({father}, kNow).ok());
  model = engine.CurrentLinkModel();
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->model.live_records, 2);
  EXPECT_TRUE(engine.ExplainPair(victim_key, father_key).ok());
}

// A second engine on the same database (a restart) builds its index from the store and links
// the next record as the first engine would have.
TEST(SqliteMatchStoreTest, ARestartedEngineBuildsItsIndexFromTheStore) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/match_index_restart_", getpid(), "_",
                                       absl::ToUnixNanos(absl::Now()));
  std::filesystem::create_directories(dir);
  const std::vector<NormalizedRecord> story = testing::StoryRecords();
  std::vector<NormalizedRecord> first(story.begin(), story.end() - 1);
  std::string person_of_last;
  {
    auto env = OpenStore(dir + "/match.db");
    ASSERT_TRUE(env->UpsertRecords(first, kNow).ok());
    auto indexed = env->engine()->LoadIndex();
    ASSERT_TRUE(indexed.ok()) << indexed.status();
    EXPECT_EQ(*indexed, static_cast<int64_t>(first.size()));
  }
  auto env = OpenStore(dir + "/match.db");
  auto indexed = env->engine()->LoadIndex();
  ASSERT_TRUE(indexed.ok()) << indexed.status();
  EXPECT_EQ(*indexed, static_cast<int64_t>(first.size()));
  ASSERT_TRUE(env->UpsertRecords({story.back()}, kNow).ok());
  // The whole story, applied at once elsewhere, makes the same persons.
  auto whole = OpenStore();
  ASSERT_TRUE(whole->UpsertRecords(story, kNow).ok());
  auto persons_of = [](Env& e) {
    std::map<std::string, std::set<std::string>> by_person;
    auto links = e.ListLinks(0, 100);
    EXPECT_TRUE(links.ok());
    for (const RecordLinkView& l : *links) {
      by_person[l.person_id].insert(l.agency + ":" + l.source_record_id);
    }
    std::set<std::set<std::string>> groups;
    for (auto& [person, records] : by_person) groups.insert(records);
    return groups;
  };
  EXPECT_EQ(persons_of(*env), persons_of(*whole));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lifeline::match
