#include "match-service/rpc/match_service_impl.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"

#include "common/auth/caller.h"
#include "common/outbox/outbox.h"
#include "match-service/clients/fake_referral_client.h"
#include "match-service/clients/plan_sender.h"
#include "match-service/store/sqlite_match_store.h"
#include "match-service/testing/story_fixture.h"

namespace lifeline::match {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::SizeIs;
namespace rv1 = ::lifeline::records::v1;

v1::UpsertRecordsRequest StoryRequest() {
  v1::UpsertRecordsRequest request;
  for (const rv1::NormalizedRecord& r : testing::StoryRecords()) *request.add_records() = r;
  return request;
}

class MatchServiceImplTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteMatchStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    // The story's father scores 102.5 and its mother 101.25: one high, one medium clue.
    EligibilityRules rules;
    rules.tier_high_score = 102;
    rules.tier_medium_score = 70;
    engine_ = std::make_unique<MatchEngine>(store_.get(), ClueScorer(rules));
    service_ = std::make_unique<MatchServiceImpl>(engine_.get(), store_.get(), &clock_, nullptr,
                                                  [this]() { ++wakes_; });
    common::OutboxDispatcher::Options options;
    options.topic = kReferralTopic;
    options.batch_size = 1;
    dispatcher_ = std::make_unique<common::OutboxDispatcher>(
        store_->outbox(), MakePlanSender(&referral_, store_.get()), options);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::MatchService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  void LoadStory() {
    grpc::ClientContext context;
    v1::UpsertRecordsResponse response;
    ASSERT_TRUE(stub_->UpsertRecords(&context, StoryRequest(), &response).ok());
    ASSERT_EQ(response.applied_count(), 9);
  }

  v1::ListCluesResponse List(v1::ListCluesRequest request = {}) {
    grpc::ClientContext context;
    v1::ListCluesResponse response;
    grpc::Status status = stub_->ListClues(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::Clue Get(const std::string& clue_id) {
    grpc::ClientContext context;
    v1::GetClueRequest request;
    request.set_clue_id(clue_id);
    v1::Clue clue;
    grpc::Status status = stub_->GetClue(&context, request, &clue);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return clue;
  }

  grpc::Status Review(const std::string& clue_id, v1::Review::Decision decision, int64_t amount,
                      const std::string& reason, v1::Clue* out,
                      const std::string& user = "proc-user-7",
                      v1::RejectReason code = v1::REJECT_REASON_UNSPECIFIED) {
    grpc::ClientContext context;
    if (!user.empty()) context.AddMetadata("x-lifeline-user", user);
    v1::ReviewClueRequest request;
    request.set_clue_id(clue_id);
    request.set_decision(decision);
    request.set_amount_fen(amount);
    request.set_reason(reason);
    request.set_reject_reason(code);
    request.set_reviewer("body-reviewer");
    return stub_->ReviewClue(&context, request, out);
  }

  common::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2024, 6, 1, 8, 0, 0), absl::UTCTimeZone())};
  FakeReferralClient referral_;
  int wakes_ = 0;
  std::unique_ptr<SqliteMatchStore> store_;
  std::unique_ptr<MatchEngine> engine_;
  std::unique_ptr<MatchServiceImpl> service_;
  std::unique_ptr<common::OutboxDispatcher> dispatcher_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::MatchService::Stub> stub_;
};

TEST_F(MatchServiceImplTest, ClueTheDataNoLongerSupportsSaysSoAmongItsExclusions) {
  LoadStory();
  std::string mother_clue;
  const v1::ListCluesResponse list = List();
  for (const v1::Clue& clue : list.clues()) {
    if (clue.person_name() == "测试母") mother_clue = clue.clue_id();
  }
  ASSERT_FALSE(mother_clue.empty());
  v1::Clue asked;
  ASSERT_TRUE(Review(mother_clue, v1::Review::DECISION_REQUEST_INFO, 0, "home visit", &asked).ok());
  EXPECT_THAT(asked.possible_exclusions(), ::testing::Not(Contains(kNoLongerSupported)));

  v1::UpsertRecordsRequest retract;
  for (rv1::NormalizedRecord r : {testing::RelativeRecord("pr-2", testing::Mother())}) {
    r.set_version(2);
    r.set_retracted(true);
    r.clear_person();
    r.clear_record();
    *retract.add_records() = r;
  }
  grpc::ClientContext context;
  v1::UpsertRecordsResponse applied;
  ASSERT_TRUE(stub_->UpsertRecords(&context, retract, &applied).ok());
  EXPECT_EQ(applied.applied_count(), 1);

  grpc::ClientContext get_context;
  v1::GetClueRequest get;
  get.set_clue_id(mother_clue);
  v1::Clue kept;
  ASSERT_TRUE(stub_->GetClue(&get_context, get, &kept).ok());
  EXPECT_EQ(kept.status(), v1::CLUE_STATUS_MORE_INFO_REQUESTED);
  EXPECT_THAT(kept.possible_exclusions(), Contains(kNoLongerSupported));

  // The information comes in, but the data no longer support the clue: it is withdrawn, not put
  // back among the pending ones.
  v1::Clue answered;
  ASSERT_TRUE(
      Review(mother_clue, v1::Review::DECISION_INFO_RECEIVED, 0, "visit report", &answered).ok());
  EXPECT_EQ(answered.status(), v1::CLUE_STATUS_WITHDRAWN);
  ASSERT_GE(answered.history_size(), 2);
  EXPECT_EQ(answered.history(answered.history_size() - 1).kind(), "withdrawn");
}

TEST_F(MatchServiceImplTest, RequestedInformationPutsTheClueBackToPendingWithHistory) {
  LoadStory();
  const std::string clue_id = List().clues(0).clue_id();
  v1::Clue out;
  // Nothing was asked for yet.
  EXPECT_EQ(Review(clue_id, v1::Review::DECISION_INFO_RECEIVED, 0, "papers", &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(
      Review(clue_id, v1::Review::DECISION_REQUEST_INFO, 0, "town to confirm hardship", &out).ok());
  EXPECT_EQ(out.status(), v1::CLUE_STATUS_MORE_INFO_REQUESTED);
  EXPECT_EQ(Review(clue_id, v1::Review::DECISION_INFO_RECEIVED, 0, "", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Review(clue_id, v1::Review::DECISION_INFO_RECEIVED, 0, "town confirmed", &out).ok());
  EXPECT_EQ(out.status(), v1::CLUE_STATUS_PENDING_REVIEW);
  ASSERT_EQ(out.reviews_size(), 2);
  EXPECT_EQ(out.reviews(1).decision(), v1::Review::DECISION_INFO_RECEIVED);
  EXPECT_EQ(out.reviews(1).reason(), "town confirmed");
  std::vector<std::string> steps;
  for (const v1::ClueEvent& e : out.history()) {
    if (e.kind() == "reviewed") steps.push_back(e.actor() + ": " + e.detail());
  }
  EXPECT_THAT(steps, ::testing::ElementsAre(
                         "proc-user-7: more information requested: town to confirm hardship",
                         "proc-user-7: information received; back to pending review: town "
                         "confirmed"));
  // Pending again: it can be decided.
  ASSERT_TRUE(Review(clue_id, v1::Review::DECISION_APPROVE, 400000, "", &out).ok());
  EXPECT_EQ(out.status(), v1::CLUE_STATUS_APPROVED);
}

TEST_F(MatchServiceImplTest, GetClueShowsTheFamilyWithTheirHardshipAndClues) {
  LoadStory();
  std::string father_clue;
  std::string mother_clue;
  const v1::ListCluesResponse list = List();
  for (const v1::Clue& clue : list.clues()) {
    (clue.person_name() == "测试父" ? father_clue : mother_clue) = clue.clue_id();
  }
  const v1::Clue clue = Get(father_clue);
  ASSERT_EQ(clue.family_size(), 2);
  std::map<std::string, const v1::FamilyMember*> by_name;
  for (const v1::FamilyMember& m : clue.family()) by_name[m.person_name()] = &m;
  ASSERT_TRUE(by_name.contains("测试子") && by_name.contains("测试母"));
  const v1::FamilyMember& son = *by_name["测试子"];
  EXPECT_THAT(son.relations(), ElementsAre("victim (HARM_DEATH)"));
  EXPECT_EQ(son.clues_size(), 0);
  EXPECT_NE(son.person_id_masked().find('*'), std::string::npos);
  const v1::FamilyMember& mother = *by_name["测试母"];
  EXPECT_THAT(mother.relations(),
              ElementsAre("near relative (RELATION_PARENT, depended on the victim)"));
  EXPECT_THAT(mother.hardship_signals(),
              ElementsAre("rural_minimum_living", "women_financial_difficulty"));
  ASSERT_EQ(mother.clues_size(), 1);
  EXPECT_EQ(mother.clues(0).clue_id(), mother_clue);
  EXPECT_EQ(mother.clues(0).status(), v1::CLUE_STATUS_PENDING_REVIEW);
  // Lists stay lean: the family is GetClue's.
  for (const v1::Clue& listed : list.clues()) EXPECT_EQ(listed.family_size(), 0);
}

TEST_F(MatchServiceImplTest, RejectionCarriesItsCodeIntoReviewsAndHistory) {
  LoadStory();
  const std::string clue_id = List().clues(0).clue_id();
  v1::Clue out;
  EXPECT_EQ(Review(clue_id, v1::Review::DECISION_REJECT, 0, "no hardship found on visit", &out)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Review(clue_id, v1::Review::DECISION_REJECT, 0, "insurer paid in full", &out,
                     "proc-user-7", v1::REJECT_REASON_COMPENSATED)
                  .ok());
  EXPECT_EQ(out.status(), v1::CLUE_STATUS_REJECTED);
  ASSERT_EQ(out.reviews_size(), 1);
  EXPECT_EQ(out.reviews(0).reject_reason(), v1::REJECT_REASON_COMPENSATED);
  EXPECT_EQ(out.history(out.history_size() - 1).detail(),
            "rejected (compensated): insurer paid in full");
  EXPECT_EQ(Get(clue_id).reviews(0).reject_reason(), v1::REJECT_REASON_COMPENSATED);
}

TEST_F(MatchServiceImplTest, UpsertThenListAndGetClueWithEvidence) {
  LoadStory();
  v1::ListCluesResponse list = List();
  ASSERT_EQ(list.clues_size(), 2);
  EXPECT_EQ(list.clues(0).person_name(), "测试父");
  EXPECT_GT(list.clues(0).score(), list.clues(1).score());
  EXPECT_TRUE(list.next_page_token().empty());

  grpc::ClientContext context;
  v1::GetClueRequest request;
  request.set_clue_id(list.clues(1).clue_id());
  v1::Clue clue;
  ASSERT_TRUE(stub_->GetClue(&context, request, &clue).ok());
  EXPECT_EQ(clue.person_name(), "测试母");
  EXPECT_EQ(clue.category(), v1::CATEGORY_DEPENDANT_OF_DECEASED);
  EXPECT_EQ(clue.status(), v1::CLUE_STATUS_PENDING_REVIEW);
  EXPECT_EQ(clue.case_number(), testing::kStoryCase);
  EXPECT_EQ(clue.suggested_amount().max_fen(), 31104000);
  EXPECT_EQ(clue.suggested_amount().min_fen(), 300000);
  EXPECT_THAT(clue.hardship_signals(), Contains("women_financial_difficulty"));
  bool harm = false, award = false;
  for (const v1::Evidence& e : clue.evidence()) {
    harm |= e.agency() == "procuratorate" && e.source_record_id() == "pv-1" &&
            e.field() == "criminal_victim.harm" && e.value() == "HARM_DEATH" &&
            e.role() == "category";
    award |= e.agency() == "court" && e.field() == "civil_judgment.amount_awarded_fen" &&
             e.value() == "83000000" && e.role() == "unpaid_compensation";
  }
  EXPECT_TRUE(harm);
  EXPECT_TRUE(award);

  // Resending the batch is a no-op.
  grpc::ClientContext again_context;
  v1::UpsertRecordsResponse again;
  ASSERT_TRUE(stub_->UpsertRecords(&again_context, StoryRequest(), &again).ok());
  EXPECT_EQ(again.applied_count(), 0);
  EXPECT_EQ(again.unchanged_count(), 9);
}

TEST_F(MatchServiceImplTest, ListCluesPagesWithTokenAndFilters) {
  LoadStory();
  v1::ListCluesRequest request;
  request.set_page_size(1);
  v1::ListCluesResponse first = List(request);
  ASSERT_EQ(first.clues_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  v1::ListCluesResponse second = List(request);
  ASSERT_EQ(second.clues_size(), 1);
  EXPECT_NE(second.clues(0).clue_id(), first.clues(0).clue_id());
  EXPECT_TRUE(second.next_page_token().empty());

  v1::ListCluesRequest approved;
  approved.set_status(v1::CLUE_STATUS_APPROVED);
  EXPECT_EQ(List(approved).clues_size(), 0);

  // Tiers come from the score and the rules' thresholds, and filter the list.
  std::map<v1::ClueTier, std::vector<double>> by_tier;
  for (v1::ClueTier tier : {v1::CLUE_TIER_HIGH, v1::CLUE_TIER_MEDIUM, v1::CLUE_TIER_LOW}) {
    v1::ListCluesRequest of_tier;
    of_tier.set_tier(tier);
    const v1::ListCluesResponse listed = List(of_tier);
    for (const v1::Clue& clue : listed.clues()) {
      EXPECT_EQ(clue.tier(), tier) << clue.score();
      by_tier[tier].push_back(clue.score());
    }
  }
  EXPECT_THAT(by_tier[v1::CLUE_TIER_HIGH], ::testing::ElementsAre(102.5));
  EXPECT_THAT(by_tier[v1::CLUE_TIER_MEDIUM], ::testing::ElementsAre(101.25));
  EXPECT_THAT(by_tier[v1::CLUE_TIER_LOW], ::testing::IsEmpty());
  {
    grpc::ClientContext context;
    v1::ListCluesRequest unknown;
    unknown.set_tier(static_cast<v1::ClueTier>(9));
    v1::ListCluesResponse ignored;
    EXPECT_EQ(stub_->ListClues(&context, unknown, &ignored).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }

  grpc::ClientContext context;
  v1::ListCluesRequest bad;
  bad.set_page_token("not-a-number");
  v1::ListCluesResponse ignored;
  EXPECT_EQ(stub_->ListClues(&context, bad, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MatchServiceImplTest, ApproveSendsOnePlanAndStoresThePlanId) {
  LoadStory();
  const std::string clue_id = List().clues(0).clue_id();
  v1::Clue approved;
  grpc::Status status = Review(clue_id, v1::Review::DECISION_APPROVE, 1000000, "", &approved);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(approved.status(), v1::CLUE_STATUS_APPROVED);
  ASSERT_EQ(approved.reviews_size(), 1);
  EXPECT_EQ(approved.reviews(0).reviewer(), "proc-user-7");  // metadata wins over the body
  EXPECT_EQ(approved.reviews(0).amount_fen(), 1000000);
  EXPECT_EQ(wakes_, 1);

  auto sent = dispatcher_->DrainOnce();
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, 1);
  EXPECT_EQ(*dispatcher_->DrainOnce(), 0);
  std::vector<referral::v1::CreatePlanRequest> requests = referral_.requests();
  ASSERT_THAT(requests, SizeIs(1));
  EXPECT_EQ(requests[0].clue_id(), clue_id);
  EXPECT_EQ(requests[0].approved_amount_fen(), 1000000);
  EXPECT_EQ(requests[0].approved_by(), "proc-user-7");
  EXPECT_EQ(requests[0].category(), "CATEGORY_DEPENDANT_OF_DECEASED");
  EXPECT_EQ(requests[0].person().name(), "测试父");
  EXPECT_THAT(requests[0].needs(), Contains("bereavement"));
  EXPECT_THAT(requests[0].needs(), Contains("unpaid_compensation"));

  grpc::ClientContext context;
  v1::GetClueRequest get;
  get.set_clue_id(clue_id);
  v1::Clue clue;
  ASSERT_TRUE(stub_->GetClue(&context, get, &clue).ok());
  EXPECT_EQ(clue.plan_id(), "plan_1");
}

TEST_F(MatchServiceImplTest, FailedDeliveryIsRetriedLater) {
  LoadStory();
  const std::string clue_id = List().clues(0).clue_id();
  v1::Clue approved;
  ASSERT_TRUE(Review(clue_id, v1::Review::DECISION_APPROVE, 400000, "", &approved).ok());
  referral_.SetFailure(absl::UnavailableError("referral down"));
  EXPECT_FALSE(dispatcher_->DrainOnce().ok());
  EXPECT_EQ(*store_->outbox()->Pending(kReferralTopic), 1);
  EXPECT_EQ(store_->GetClue(clue_id)->clue.plan_id, "");

  referral_.SetFailure(absl::OkStatus());
  ASSERT_TRUE(MakePlanSender(&referral_,
                             store_.get())(*store_->outbox()->Due(kReferralTopic, 10, INT64_MAX))
                  .status.ok());
  EXPECT_EQ(store_->GetClue(clue_id)->clue.plan_id, "plan_1");
}

TEST_F(MatchServiceImplTest, ApproveWithoutAmountIsInvalid) {
  LoadStory();
  v1::Clue out;
  EXPECT_EQ(
      Review(List().clues(0).clue_id(), v1::Review::DECISION_APPROVE, 0, "", &out).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      Review(List().clues(0).clue_id(), v1::Review::DECISION_REJECT, 0, "", &out).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(*store_->outbox()->Pending(kReferralTopic), 0);
}

TEST_F(MatchServiceImplTest, ReviewingADecidedClueFails) {
  LoadStory();
  const std::string clue_id = List().clues(1).clue_id();
  v1::Clue out;
  ASSERT_TRUE(Review(clue_id, v1::Review::DECISION_REJECT, 0, "family declined", &out,
                     "proc-user-7", v1::REJECT_REASON_DECLINED)
                  .ok());
  EXPECT_EQ(out.status(), v1::CLUE_STATUS_REJECTED);
  EXPECT_EQ(Review(clue_id, v1::Review::DECISION_APPROVE, 100, "", &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Review(clue_id, v1::Review::DECISION_REJECT, 0, "again", &out, "proc-user-7",
                   v1::REJECT_REASON_OTHER)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// Adds a gateway-authenticated caller to a call.
void As(grpc::ClientContext* context, const std::string& role, const std::string& scope) {
  context->AddMetadata("x-lifeline-user", "proc-user-7");
  context->AddMetadata("x-lifeline-role", role);
  if (!scope.empty()) context->AddMetadata("x-lifeline-scope", scope);
}

TEST_F(MatchServiceImplTest, ProcuratorsSeeAndDecideOnlyTheirRegionsClues) {
  LoadStory();  // both parents' clues are of the case handled in 341523
  auto list = [&](const std::string& scope, v1::ListCluesRequest request,
                  v1::ListCluesResponse* out) {
    grpc::ClientContext context;
    As(&context, "procurator", scope);
    return stub_->ListClues(&context, request, out);
  };
  v1::ListCluesResponse listed;
  ASSERT_TRUE(list("3415", {}, &listed).ok());
  ASSERT_EQ(listed.clues_size(), 2);
  EXPECT_EQ(listed.clues(0).region_code(), "341523");
  const std::string clue_id = listed.clues(0).clue_id();
  ASSERT_TRUE(list("3401,341523", {}, &listed).ok());
  EXPECT_EQ(listed.clues_size(), 2);
  ASSERT_TRUE(list("3401", {}, &listed).ok());
  EXPECT_EQ(listed.clues_size(), 0);
  // A procurator without regions sees nothing at all.
  EXPECT_EQ(list("", {}, &listed).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Roles that have no business with clues see none, whatever their scope.
  for (const char* role : {"partner", "auditor", "agency_submitter", "someone_new"}) {
    grpc::ClientContext context;
    As(&context, role, "3415");
    EXPECT_EQ(stub_->ListClues(&context, {}, &listed).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }

  // Region filters meet the caller's regions; bad ones are refused.
  v1::ListCluesRequest in_region;
  in_region.set_region("341523");
  ASSERT_TRUE(list("3415", in_region, &listed).ok());
  EXPECT_EQ(listed.clues_size(), 2);
  in_region.set_region("3401");
  EXPECT_EQ(list("3415", in_region, &listed).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  for (const char* bad : {"3", "34152300", "34x5"}) {
    in_region.set_region(bad);
    EXPECT_EQ(list("3415", in_region, &listed).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad;
  }

  // Another region's procurator can neither read nor decide the clue.
  {
    grpc::ClientContext context;
    As(&context, "procurator", "3401");
    v1::GetClueRequest get;
    get.set_clue_id(clue_id);
    v1::Clue clue;
    EXPECT_EQ(stub_->GetClue(&context, get, &clue).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    As(&context, "procurator", "3401");
    v1::ReviewClueRequest review;
    review.set_clue_id(clue_id);
    review.set_decision(v1::Review::DECISION_REJECT);
    review.set_reject_reason(v1::REJECT_REASON_OTHER);
    review.set_reason("not ours");
    v1::Clue clue;
    EXPECT_EQ(stub_->ReviewClue(&context, review, &clue).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(Get(clue_id).status(), v1::CLUE_STATUS_PENDING_REVIEW);
}

TEST_F(MatchServiceImplTest, AClueShowsItsQuestionsAndTheCasesOtherClues) {
  LoadStory();
  const v1::ListCluesResponse listed = List();
  ASSERT_EQ(listed.clues_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const v1::Clue clue = Get(listed.clues(i).clue_id());
    ASSERT_EQ(clue.related_size(), 1);
    EXPECT_EQ(clue.related(0).clue_id(), listed.clues(1 - i).clue_id());
    EXPECT_EQ(clue.related(0).person_name(), listed.clues(1 - i).person_name());
    EXPECT_EQ(clue.related(0).category(), v1::CATEGORY_DEPENDANT_OF_DECEASED);
    EXPECT_GT(clue.related(0).hardship_signals_size(), 0);
    ASSERT_GT(clue.questions_size(), 0);
    EXPECT_EQ(clue.questions(clue.questions_size() - 1).code(), "article_8_checklist");
    EXPECT_FALSE(clue.questions(0).text().empty());
    ASSERT_EQ(clue.history_size(), 1);
    EXPECT_EQ(clue.history(0).kind(), "created");
  }
  // A list does not carry the related clues (GetClue does).
  EXPECT_EQ(listed.clues(0).related_size(), 0);
}

TEST_F(MatchServiceImplTest, ListCluesFiltersByCategoryAndSortsByAge) {
  LoadStory();
  v1::ListCluesRequest request;
  request.set_category(v1::CATEGORY_SERIOUS_INJURY);
  EXPECT_EQ(List(request).clues_size(), 0);
  request.set_category(v1::CATEGORY_DEPENDANT_OF_DECEASED);
  EXPECT_EQ(List(request).clues_size(), 2);

  // A later case makes a newer clue: first by score, last by age.
  clock_.Advance(absl::Hours(1));
  v1::UpsertRecordsRequest later;
  NormalizedRecord victim = testing::VictimRecord();
  victim.set_source_record_id("pv-later");
  *victim.mutable_person() =
      testing::TestPerson("aaaa000000000000000000000000000000000000000000000000000000000009",
                          "测试新", records::v1::SEX_MALE, "1960-01-01");
  auto* v = victim.mutable_record()->mutable_criminal_victim();
  v->set_harm(records::v1::CriminalVictim::HARM_SERIOUS_INJURY);
  v->mutable_criminal_case()->set_case_number("TEST-PROC-2024-0002");
  v->mutable_criminal_case()->set_offender_status(
      records::v1::CriminalCase::OFFENDER_STATUS_UNKNOWN);
  *later.add_records() = victim;
  NormalizedRecord poor = testing::MinimumLiving("ca-later", victim.person());
  *later.add_records() = poor;
  NormalizedRecord poorer = testing::MinimumLiving("ca-later-2", victim.person());
  poorer.mutable_record()->mutable_social_assistance()->set_programme(
      records::v1::SocialAssistance::PROGRAMME_EXTREME_POVERTY);
  *later.add_records() = poorer;
  {
    grpc::ClientContext context;
    v1::UpsertRecordsResponse response;
    ASSERT_TRUE(stub_->UpsertRecords(&context, later, &response).ok());
  }
  v1::ListCluesResponse by_score = List();
  ASSERT_EQ(by_score.clues_size(), 3);
  EXPECT_EQ(by_score.clues(0).person_name(), "测试新");  // 60 + 20 + 25
  v1::ListCluesRequest by_age_request;
  by_age_request.set_order(v1::CLUE_ORDER_AGE);
  v1::ListCluesResponse by_age = List(by_age_request);
  ASSERT_EQ(by_age.clues_size(), 3);
  EXPECT_EQ(by_age.clues(2).person_name(), "测试新");
  // Paging keeps the order.
  by_age_request.set_page_size(2);
  v1::ListCluesResponse first = List(by_age_request);
  ASSERT_EQ(first.clues_size(), 2);
  by_age_request.set_page_token(first.next_page_token());
  v1::ListCluesResponse rest = List(by_age_request);
  ASSERT_EQ(rest.clues_size(), 1);
  EXPECT_EQ(rest.clues(0).person_name(), "测试新");

  for (int bad = 0; bad < 3; ++bad) {
    v1::ListCluesRequest request_bad;
    if (bad == 0) request_bad.set_category(static_cast<v1::Category>(9));
    if (bad == 1) request_bad.set_order(static_cast<v1::ClueOrder>(9));
    if (bad == 2) request_bad.set_status(static_cast<v1::ClueStatus>(42));
    grpc::ClientContext context;
    v1::ListCluesResponse ignored;
    EXPECT_EQ(stub_->ListClues(&context, request_bad, &ignored).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(MatchServiceImplTest, ApprovalOutsideTheFloorOrAboveTheThresholdNeedsAChief) {
  LoadStory();
  const v1::Clue clue = List().clues(0);
  // Suggested: 6 months of 8,640 yuan, within 3,000 and the 36-month cap.
  EXPECT_EQ(clue.suggested_amount().point_fen(), 5184000);
  EXPECT_EQ(clue.suggested_amount().min_fen(), 300000);
  EXPECT_GT(clue.suggested_amount().rationale_size(), 3);
  auto review = [&](const std::string& role, int64_t amount, const std::string& note) {
    grpc::ClientContext context;
    As(&context, role, "3415");
    v1::ReviewClueRequest request;
    request.set_clue_id(clue.clue_id());
    request.set_decision(v1::Review::DECISION_APPROVE);
    request.set_amount_fen(amount);
    request.set_reason(note);
    v1::Clue out;
    return stub_->ReviewClue(&context, request, &out).error_code();
  };
  EXPECT_EQ(review("procurator", 1, ""), grpc::StatusCode::INVALID_ARGUMENT);  // 0.01 yuan
  EXPECT_EQ(review("procurator", 5184000, ""), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(review("procurator", 5184000, "serious case"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(review("chief_procurator", 100, "relief fund paid the rest"), grpc::StatusCode::OK);
  EXPECT_EQ(Get(clue.clue_id()).status(), v1::CLUE_STATUS_APPROVED);
}

std::string ShippedRulesYaml() {
  const char* dir = std::getenv("LIFELINE_SOURCE_DIR");
  std::ifstream in(std::string(dir == nullptr ? "." : dir) + "/config/eligibility.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(MatchServiceImplTest, DryRunPreviewsCandidateRulesAndWritesNothing) {
  LoadStory();  // father 102.5 (high), mother 101.25 (medium: the fixture's bar is 102), 6 months
  const v1::ListCluesResponse before = List();
  auto rescore = [&](const v1::RescoreRequest& request, v1::RescoreResponse* out) {
    grpc::ClientContext context;
    return stub_->Rescore(&context, request, out);
  };
  v1::RescoreRequest request;
  request.set_dry_run(true);
  v1::RescoreResponse same;
  ASSERT_TRUE(rescore(request, &same).ok());
  EXPECT_EQ(same.preview().persons_scored(), 3);
  EXPECT_EQ(same.preview().total().added() + same.preview().total().dropped() +
                same.preview().total().tier_up() + same.preview().total().tier_down() +
                same.preview().total().amount_changed(),
            0);

  // A higher bar for high and fewer months for dependants.
  const std::string shipped = ShippedRulesYaml();
  ASSERT_NE(shipped.find("  high: 90"), std::string::npos);
  ASSERT_NE(shipped.find("    dependant_of_deceased: 4"), std::string::npos);
  request.set_candidate_rules_yaml(absl::StrReplaceAll(
      shipped, {{"  high: 90", "  high: 110"},
                {"    dependant_of_deceased: 4", "    dependant_of_deceased: 2"}}));
  v1::RescoreResponse preview;
  grpc::Status status = rescore(request, &preview);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(preview.preview().total().tier_down(), 1);       // the father, 102.5 < 110
  EXPECT_EQ(preview.preview().total().amount_changed(), 1);  // the mother stays medium
  ASSERT_EQ(preview.preview().groups_size(), 1);
  EXPECT_EQ(preview.preview().groups(0).city(), "3415");
  EXPECT_EQ(preview.preview().groups(0).category(), v1::CATEGORY_DEPENDANT_OF_DECEASED);
  ASSERT_EQ(preview.preview().examples_size(), 2);
  for (const v1::PreviewExample& example : preview.preview().examples()) {
    EXPECT_EQ(example.point_fen_before(), 6 * 864000);
    EXPECT_EQ(example.point_fen_after(), 4 * 864000);
    if (example.change() == "tier_down") {
      EXPECT_EQ(example.tier_before(), v1::CLUE_TIER_HIGH);
      EXPECT_EQ(example.tier_after(), v1::CLUE_TIER_MEDIUM);
    }
  }
  // Nothing was written.
  const v1::ListCluesResponse after = List();
  ASSERT_EQ(after.clues_size(), before.clues_size());
  for (int i = 0; i < after.clues_size(); ++i) {
    EXPECT_EQ(after.clues(i).DebugString(), before.clues(i).DebugString());
  }

  // Bad candidates are refused with the problems; candidates apply only from the file.
  v1::RescoreResponse ignored;
  request.set_candidate_rules_yaml(absl::StrReplaceAll(shipped, {{"  high: 90", "  high: 10"}}));
  status = rescore(request, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("tiers"), std::string::npos);
  request.set_candidate_rules_yaml("max_months: [");
  EXPECT_EQ(rescore(request, &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_candidate_rules_yaml(shipped);
  request.set_dry_run(false);
  EXPECT_EQ(rescore(request, &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MatchServiceImplTest, ReviewerFallsBackToTheBodyForInternalCallers) {
  LoadStory();
  v1::Clue out;
  ASSERT_TRUE(Review(List().clues(0).clue_id(), v1::Review::DECISION_REQUEST_INFO, 0,
                     "need household papers", &out, /*user=*/"")
                  .ok());
  EXPECT_EQ(out.status(), v1::CLUE_STATUS_MORE_INFO_REQUESTED);
  EXPECT_EQ(out.reviews(0).reviewer(), "body-reviewer");
}

TEST_F(MatchServiceImplTest, UnknownIdsAreNotFound) {
  v1::Clue out;
  EXPECT_EQ(
      Review("clu_0000000000000000", v1::Review::DECISION_APPROVE, 100, "", &out).error_code(),
      grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext clue_context;
  v1::GetClueRequest get_clue;
  get_clue.set_clue_id("clu_0000000000000000");
  EXPECT_EQ(stub_->GetClue(&clue_context, get_clue, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext person_context;
  v1::GetPersonRequest get_person;
  get_person.set_person_id("per_0000000000000000");
  v1::Person person;
  EXPECT_EQ(stub_->GetPerson(&person_context, get_person, &person).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(MatchServiceImplTest, SearchGetPersonAndExportLinks) {
  LoadStory();
  grpc::ClientContext search_context;
  v1::SearchPersonsRequest search;
  search.set_id_token(testing::kFatherToken);
  v1::SearchPersonsResponse found;
  ASSERT_TRUE(stub_->SearchPersons(&search_context, search, &found).ok());
  ASSERT_EQ(found.persons_size(), 1);
  EXPECT_EQ(found.persons(0).display_name(), "测试父");
  EXPECT_EQ(found.persons(0).records_size(), 5);
  EXPECT_EQ(found.persons(0).sex(), rv1::SEX_MALE);

  grpc::ClientContext by_name_context;
  v1::SearchPersonsRequest by_name;
  by_name.set_name("测试母");
  v1::SearchPersonsResponse mother;
  ASSERT_TRUE(stub_->SearchPersons(&by_name_context, by_name, &mother).ok());
  ASSERT_EQ(mother.persons_size(), 1);

  grpc::ClientContext get_context;
  v1::GetPersonRequest get;
  get.set_person_id(mother.persons(0).person_id());
  v1::Person person;
  ASSERT_TRUE(stub_->GetPerson(&get_context, get, &person).ok());
  EXPECT_EQ(person.records_size(), 3);  // pr-2, ca-2, wf-1
  for (const v1::RecordRef& ref : person.records()) EXPECT_EQ(ref.link_reason(), "id_token");

  grpc::ClientContext export_context;
  auto reader = stub_->ExportLinks(&export_context, v1::ExportLinksRequest());
  v1::RecordLink link;
  int links = 0;
  int mother_links = 0;
  while (reader->Read(&link)) {
    ++links;
    if (link.person_id() == person.person_id()) ++mother_links;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(links, 9);
  EXPECT_EQ(mother_links, 3);
}

TEST_F(MatchServiceImplTest, RescoreScoresEveryPerson) {
  LoadStory();
  grpc::ClientContext context;
  v1::RescoreResponse response;
  ASSERT_TRUE(stub_->Rescore(&context, v1::RescoreRequest(), &response).ok());
  EXPECT_EQ(response.persons_scored(), 3);
  EXPECT_EQ(response.clues_created(), 0);
}

TEST_F(MatchServiceImplTest, RecordWithoutPayloadIsRejectedWholeBatch) {
  v1::UpsertRecordsRequest request = StoryRequest();
  request.mutable_records(3)->mutable_record()->Clear();
  grpc::ClientContext context;
  v1::UpsertRecordsResponse response;
  grpc::Status status = stub_->UpsertRecords(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("records[3]"));
  EXPECT_EQ(List().clues_size(), 0);
}

}  // namespace
}  // namespace lifeline::match

namespace lifeline::match {
namespace {

// Two records the model cannot decide at a province's prior: same name and birth date, no
// number, nothing else.
class PossibleMatchRpcTest : public MatchServiceImplTest {
 protected:
  void SetUp() override {
    MatchServiceImplTest::SetUp();
    LinkModel model;
    model.matches_per_record = 1e-7;  // a province-sized prior for a handful of records
    ASSERT_TRUE(store_
                    ->InTransaction(
                        [&](MatchTransaction& tx) { return tx.SaveLinkModel(model, absl::Now()); })
                    .ok());
    v1::UpsertRecordsRequest request;
    for (const char* id : {"A", "B"}) {
      rv1::NormalizedRecord* r = request.add_records();
      r->set_agency("civil_affairs");
      r->set_source_record_id(id);
      r->set_version(1);
      r->set_record_date("2026-01-01");
      r->mutable_person()->set_name_original("周建国");
      r->mutable_person()->set_name_normalized("周建国");
      r->mutable_person()->set_name_pinyin("zhou jian guo");
      r->mutable_person()->set_birth_date("1962-05-20");
      r->mutable_record()->mutable_social_assistance();
    }
    grpc::ClientContext context;
    v1::UpsertRecordsResponse response;
    ASSERT_TRUE(stub_->UpsertRecords(&context, request, &response).ok());
  }

  v1::ListPossibleMatchesResponse ListMatches() {
    grpc::ClientContext context;
    v1::ListPossibleMatchesResponse response;
    EXPECT_TRUE(
        stub_->ListPossibleMatches(&context, v1::ListPossibleMatchesRequest(), &response).ok());
    return response;
  }

  grpc::Status Resolve(const std::string& a, const std::string& b, v1::MatchDecision decision,
                       v1::ResolvePossibleMatchResponse* out) {
    grpc::ClientContext context;
    context.AddMetadata("x-lifeline-user", "proc-user-7");
    v1::ResolvePossibleMatchRequest request;
    request.set_record_a(a);
    request.set_record_b(b);
    request.set_decision(decision);
    request.set_reason("checked with the village committee");
    return stub_->ResolvePossibleMatch(&context, request, out);
  }
};

TEST_F(PossibleMatchRpcTest, ListedWithTheirComparisonThenConfirmedThenSeparated) {
  v1::ListPossibleMatchesResponse listed = ListMatches();
  ASSERT_EQ(listed.possible_matches_size(), 1);
  const v1::PairExplanation& pair = listed.possible_matches(0).pair();
  EXPECT_NE(pair.person_a(), pair.person_b());
  EXPECT_GE(pair.weight(), pair.possible_weight());
  EXPECT_LT(pair.weight(), pair.link_weight());
  bool name_exact = false;
  for (const v1::FieldComparison& f : pair.fields()) {
    name_exact |= f.field() == "name" && f.level() == "exact" && f.weight() > 0;
  }
  EXPECT_TRUE(name_exact);

  v1::ResolvePossibleMatchResponse resolved;
  ASSERT_TRUE(
      Resolve("civil_affairs:A", "civil_affairs:B", v1::MATCH_DECISION_CONFIRM, &resolved).ok());
  EXPECT_EQ(resolved.person_a(), resolved.person_b());
  EXPECT_EQ(ListMatches().possible_matches_size(), 0);
  {
    grpc::ClientContext context;
    v1::GetPersonRequest request;
    request.set_person_id(resolved.person_a());
    v1::Person person;
    ASSERT_TRUE(stub_->GetPerson(&context, request, &person).ok());
    ASSERT_EQ(person.records_size(), 2);
    EXPECT_EQ(person.records(0).link_reason(), "confirmed");
    EXPECT_FALSE(person.records(0).linked_to().empty());
    EXPECT_GT(person.records(0).comparison_size(), 0);
  }
  // The decision survives a re-resolution from scratch.
  {
    grpc::ClientContext context;
    v1::RelinkResponse relinked;
    ASSERT_TRUE(stub_->Relink(&context, v1::RelinkRequest(), &relinked).ok());
    EXPECT_EQ(relinked.records(), 2);
    EXPECT_EQ(relinked.persons(), 1);
  }
  ASSERT_TRUE(
      Resolve("civil_affairs:B", "civil_affairs:A", v1::MATCH_DECISION_SEPARATE, &resolved).ok());
  EXPECT_NE(resolved.person_a(), resolved.person_b());
  // A separated pair is not offered again.
  EXPECT_EQ(ListMatches().possible_matches_size(), 0);
  grpc::ClientContext context;
  v1::ExplainPairRequest request;
  request.set_record_a("civil_affairs:A");
  request.set_record_b("civil_affairs:B");
  v1::PairExplanation explained;
  ASSERT_TRUE(stub_->ExplainPair(&context, request, &explained).ok());
  EXPECT_EQ(explained.review(), "separated");
  EXPECT_NE(explained.person_a(), explained.person_b());
  EXPECT_GT(explained.probability(), 0.5);
}

TEST_F(PossibleMatchRpcTest, BadDecisionsAreRefused) {
  v1::ResolvePossibleMatchResponse out;
  EXPECT_EQ(Resolve("civil_affairs:A", "civil_affairs:B", v1::MATCH_DECISION_UNSPECIFIED, &out)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Resolve("A", "civil_affairs:B", v1::MATCH_DECISION_CONFIRM, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      Resolve("civil_affairs:", "civil_affairs:B", v1::MATCH_DECISION_CONFIRM, &out).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      Resolve("civil_affairs:A", "civil_affairs:A", v1::MATCH_DECISION_CONFIRM, &out).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Resolve("civil_affairs:A", "civil_affairs:nope", v1::MATCH_DECISION_CONFIRM, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext context;
  v1::ListPossibleMatchesRequest request;
  request.set_page_token("not-a-token");
  v1::ListPossibleMatchesResponse listed;
  EXPECT_EQ(stub_->ListPossibleMatches(&context, request, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PossibleMatchRpcTest, LinkModelIsShown) {
  grpc::ClientContext context;
  v1::LinkModel model;
  ASSERT_TRUE(stub_->GetLinkModel(&context, v1::GetLinkModelRequest(), &model).ok());
  EXPECT_EQ(model.live_records(), 2);
  EXPECT_NE(model.parameters().find("level name exact"), std::string::npos);
  EXPECT_GT(model.link_weight(), model.possible_weight());
}

TEST_F(MatchServiceImplTest, AFamilyMembersClueOfAnotherRegionIsNotShown) {
  LoadStory();
  // The mother is also the victim of an unsolved robbery handled in Hefei (3401).
  rv1::NormalizedRecord robbery = testing::VictimRecord();
  robbery.set_source_record_id("pv-9");
  *robbery.mutable_person() = testing::Mother();
  auto* victim = robbery.mutable_record()->mutable_criminal_victim();
  victim->set_harm(rv1::CriminalVictim::HARM_SERIOUS_INJURY);
  victim->mutable_criminal_case()->set_case_number("(2024)皖0102刑初9号");
  victim->mutable_criminal_case()->set_region_code("340102");
  victim->mutable_criminal_case()->set_crime(rv1::CriminalCase::CRIME_ROBBERY);
  victim->mutable_criminal_case()->set_offender_status(rv1::CriminalCase::OFFENDER_STATUS_UNKNOWN);
  v1::UpsertRecordsRequest request;
  *request.add_records() = robbery;
  {
    grpc::ClientContext context;
    v1::UpsertRecordsResponse applied;
    ASSERT_TRUE(stub_->UpsertRecords(&context, request, &applied).ok());
  }
  std::string father_clue;
  const v1::ListCluesResponse list = List();
  for (const v1::Clue& clue : list.clues()) {
    if (clue.person_name() == "测试父") father_clue = clue.clue_id();
  }
  ASSERT_FALSE(father_clue.empty());
  auto mother_clues = [&](const std::string& scope) {
    grpc::ClientContext context;
    As(&context, "procurator", scope);
    v1::GetClueRequest get;
    get.set_clue_id(father_clue);
    v1::Clue clue;
    EXPECT_TRUE(stub_->GetClue(&context, get, &clue).ok());
    std::vector<std::string> regions;
    for (const v1::FamilyMember& m : clue.family()) {
      if (m.person_name() != "测试母") continue;
      for (const v1::RelatedClue& c : m.clues()) {
        regions.push_back(c.category() == v1::CATEGORY_SERIOUS_INJURY ? "robbery" : "story");
      }
    }
    return regions;
  };
  EXPECT_THAT(mother_clues("34"), ::testing::UnorderedElementsAre("story", "robbery"));
  EXPECT_THAT(mother_clues("3415"), ElementsAre("story"));
}

}  // namespace
}  // namespace lifeline::match

namespace lifeline::match {
namespace {

// referral-service records verification requests and answers on the clue; nobody else may.
TEST_F(MatchServiceImplTest, RecordVerificationIsForTheSuiteAndShowsOnTheClue) {
  LoadStory();
  const std::string clue_id = List().clues(0).clue_id();
  auto record = [&](const common::Caller& caller, const std::string& clue,
                    const std::string& state) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::RecordVerificationRequest request;
    request.set_clue_id(clue);
    v1::ClueVerification* v = request.mutable_verification();
    v->set_verification_id("ver_1");
    v->set_department("village_committee");
    v->set_question("hardship?");
    v->set_state(state);
    v->set_requested_by("proc-1");
    v1::RecordVerificationResponse response;
    return stub_->RecordVerification(&context, request, &response);
  };
  const common::Caller procurator{"proc-1", common::kRoleProcurator, "34"};
  EXPECT_EQ(record(procurator, clue_id, "REQUESTED").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(record({}, clue_id, "MAYBE").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(record({}, "", "REQUESTED").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(record({}, "clu_missing", "REQUESTED").error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(record({}, clue_id, "REQUESTED").ok());
  const v1::Clue clue = Get(clue_id);
  ASSERT_EQ(clue.verifications_size(), 1);
  EXPECT_EQ(clue.verifications(0).state(), "REQUESTED");
  EXPECT_EQ(clue.history(clue.history_size() - 1).kind(), "verification_requested");
}

}  // namespace
}  // namespace lifeline::match
