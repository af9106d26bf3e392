#include "referral-service/rpc/escalation_scanner.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/plan_builder.h"
#include "referral-service/store/sqlite_referral_store.h"

namespace lifeline::referral {
namespace {

class EscalationScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteReferralStore::Open(dir_.path() + "/referral.db", &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto router = Router::Create({
        {"disability", "disabled_persons_federation", "rehabilitation", "disability"},
        {"every_plan", "village_committee", "home visit", "every plan"},
    });
    ASSERT_TRUE(router.ok());
    router_ = std::make_unique<Router>(std::move(*router));
    // The village committee agreed to accept within 5, start within 10, complete within 30
    // working days, with 2 days' grace before re-routing is proposed.
    Partner village{"village_committee", "Village committee", "inbox", 5, true, 10, 30, 2};
    ASSERT_TRUE(store_->UpsertPartner(village, "admin-1").ok());
  }

  // A plan made now, approved by pro-1, with a disability and a village committee referral.
  Plan MakePlan(const std::string& clue_id) {
    PlanBuilder builder(router_.get(), &clock_, &ids_, &calendar_);
    PlanRequest request;
    request.clue_id = clue_id;
    request.person.person_id = "person-1";
    request.needs = {"disability"};
    request.approved_by = "pro-1";
    auto plan = builder.Build(request, [this](const std::string& department) {
      absl::StatusOr<Partner> partner = store_->GetPartner(department);
      return partner.ok() ? std::optional<Partner>(*partner) : std::nullopt;
    });
    EXPECT_TRUE(plan.ok());
    EXPECT_TRUE(store_->CreatePlan(*plan, BuildDeliveryRequests(*plan)).ok());
    return *plan;
  }

  EscalationScanner Scanner() {
    return EscalationScanner(
        store_.get(), &clock_, &calendar_, [this](const AppliedEscalation& escalation) {
          ++seen_[escalation.department + ":" + std::string(StageName(escalation.stage)) + ":" +
                  (escalation.kind == ReferralEventKind::kEscalated ? "escalated"
                                                                    : "reroute_proposed")];
        });
  }

  std::vector<ReferralEvent> EventsOf(const std::string& referral_id, ReferralEventKind kind) {
    std::vector<ReferralEvent> events;
    const Referral referral = store_->GetReferral(referral_id).value();
    for (const ReferralEvent& event : referral.history) {
      if (event.kind == kind) events.push_back(event);
    }
    return events;
  }

  common::testing::TempDir dir_;
  // Thursday 2026-11-26, 10:00 in Beijing: accept is due Thursday 2026-12-03.
  common::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone())};
  WorkingCalendar calendar_;  // Monday to Friday
  SequentialIdGenerator ids_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<SqliteReferralStore> store_;
  std::map<std::string, int> seen_;
};

TEST_F(EscalationScannerTest, EscalatesAfterTheDeadlineOnceThenProposesRerouting) {
  Plan plan = MakePlan("clue-1");
  const std::string disability = plan.referrals[0].referral_id;
  const std::string village = plan.referrals[1].referral_id;
  ASSERT_EQ(plan.referrals[1].department, "village_committee");
  EscalationScanner scanner = Scanner();
  ASSERT_TRUE(store_->TransitionReferral(disability, ReferralState::kAccepted, "", "x").ok());

  // On the deadline day (Beijing) nothing is escalated, even late in the evening.
  clock_.Advance(absl::Hours(24 * 7 + 13));  // 2026-12-03 23:00 +08
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
  EXPECT_TRUE(seen_.empty());

  clock_.Advance(absl::Hours(1));            // Friday 2026-12-04 00:00 +08
  EXPECT_EQ(scanner.ScanOnce().value(), 1);  // the accepted one is on time for progress
  EXPECT_EQ(seen_, (std::map<std::string, int>{{"village_committee:accept:escalated", 1}}));
  std::vector<ReferralEvent> escalated = EventsOf(village, ReferralEventKind::kEscalated);
  ASSERT_EQ(escalated.size(), 1u);
  EXPECT_EQ(escalated[0].note, "accept deadline 2026-12-03 passed; escalated to pro-1");
  Referral shown = store_->GetReferral(village).value();
  EXPECT_EQ(shown.escalation.stage, DeadlineStage::kAccept);
  EXPECT_EQ(shown.escalation.level, 1);
  ReferralFilter escalated_only;
  escalated_only.escalated = true;
  ReferralPage page = store_->ListReferrals(escalated_only, 10, 0).value();
  ASSERT_EQ(page.referrals.size(), 1u);
  EXPECT_EQ(page.referrals[0].referral_id, village);

  // Again the same day, and over the weekend: nothing new. The grace (2 working days: Friday 4
  // and Monday 7 December) ends on Monday; on Tuesday re-routing is proposed, once.
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
  clock_.Advance(absl::Hours(24 * 3));  // Monday
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
  clock_.Advance(absl::Hours(24));  // Tuesday
  EXPECT_EQ(scanner.ScanOnce().value(), 1);
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
  EXPECT_EQ(seen_["village_committee:accept:reroute_proposed"], 1);
  EXPECT_EQ(EventsOf(village, ReferralEventKind::kRerouteProposed).size(), 1u);
  clock_.Advance(absl::Hours(24 * 30));
  // The disability referral was accepted but never started: progress was due 10 December
  // (the default agreement), its grace ran out on the 17th; a scan a month on does both.
  EXPECT_EQ(scanner.ScanOnce().value(), 2);
  EXPECT_EQ(seen_["disabled_persons_federation:progress:escalated"], 1);
  EXPECT_EQ(seen_["disabled_persons_federation:progress:reroute_proposed"], 1);
  EXPECT_EQ(EventsOf(disability, ReferralEventKind::kEscalated).size(), 1u);
  EXPECT_EQ(EventsOf(disability, ReferralEventKind::kRerouteProposed).size(), 1u);
  EXPECT_EQ(EventsOf(village, ReferralEventKind::kRerouteProposed).size(), 1u);

  // Accepting moves the village referral on: no longer escalated.
  ASSERT_TRUE(store_->TransitionReferral(village, ReferralState::kAccepted, "", "x").ok());
  EXPECT_EQ(store_->GetReferral(village)->escalation.level, 0);
  page = store_->ListReferrals(escalated_only, 10, 0).value();
  ASSERT_EQ(page.referrals.size(), 1u);
  EXPECT_EQ(page.referrals[0].referral_id, disability);
}

// A verification no office answered by its respond-by day is escalated once to the procurator
// who asked: stored with its time and sent to match-service for the clue's history. One answered
// in time is not; one answered late is still taken and keeps its escalation.
TEST_F(EscalationScannerTest, EscalatesOverdueVerificationsOnce) {
  std::map<std::string, int> verifications_seen;
  EscalationScanner scanner(
      store_.get(), &clock_, &calendar_, [](const AppliedEscalation&) {},
      [&](const Verification& escalated) { ++verifications_seen[escalated.department]; });
  const Partner village = store_->GetPartner("village_committee").value();
  std::vector<std::string> ids;
  for (const char* clue : {"clue-1", "clue-2"}) {
    VerificationRequest asked;
    asked.clue_id = clue;
    asked.question = "no income since the death?";
    asked.person.name = "Test Person";
    asked.requested_by = "pro-1";
    Verification v = NewVerification(asked, village, clock_.Now(), calendar_, &ids_).value();
    ASSERT_EQ(v.respond_by, absl::CivilDay(2026, 12, 3));  // 5 working days
    ASSERT_TRUE(store_->CreateVerification(v).ok());
    ids.push_back(v.verification_id);
  }
  auto answer = [&](const std::string& id) {
    return store_->AnswerVerification(id, [&](const Verification& current) {
      return DecideAnswer(
          current, {VerificationState::kConfirmed, "visited", {}, "vc-desk", "village_committee"},
          clock_.Now());
    });
  };
  auto clue_copies = [&] {
    std::vector<lifeline::match::v1::RecordVerificationRequest> copies;
    const std::vector<common::OutboxMessage> queued =
        store_->outbox()->DueByTime(kClueVerificationTopic, 100, int64_t{1} << 62).value();
    for (const common::OutboxMessage& m : queued) {
      EXPECT_TRUE(copies.emplace_back().ParseFromString(m.payload));
    }
    return copies;
  };
  ASSERT_EQ(clue_copies().size(), 2u);  // the two requests

  clock_.Advance(absl::Hours(24 * 7 + 13));  // 2026-12-03 23:00 +08: due today, not overdue
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
  ASSERT_TRUE(answer(ids[1]).ok());  // answered on time
  clock_.Advance(absl::Hours(1));    // Friday 2026-12-04 00:00 +08
  const absl::Time escalated_at = clock_.Now();
  EXPECT_EQ(scanner.ScanOnce().value(), 1);
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
  clock_.Advance(absl::Hours(24 * 10));
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
  EXPECT_EQ(verifications_seen, (std::map<std::string, int>{{"village_committee", 1}}));
  EXPECT_EQ(store_->GetVerification(ids[0])->escalated_time, escalated_at);
  EXPECT_EQ(store_->GetVerification(ids[1])->escalated_time, absl::InfinitePast());

  // The clue's copy: still open, escalated at the scan's time; the answer's copy keeps it.
  std::vector<lifeline::match::v1::RecordVerificationRequest> copies = clue_copies();
  ASSERT_EQ(copies.size(), 4u);  // two requests, one answer, one escalation
  EXPECT_EQ(copies[3].clue_id(), "clue-1");
  EXPECT_EQ(copies[3].verification().state(), "REQUESTED");
  EXPECT_EQ(copies[3].verification().escalated_time(), "2026-12-03T16:00:00Z");
  EXPECT_EQ(copies[2].verification().escalated_time(), "");
  const Verification late = answer(ids[0]).value();
  EXPECT_EQ(late.state, VerificationState::kConfirmed);
  copies = clue_copies();
  ASSERT_EQ(copies.size(), 5u);
  EXPECT_EQ(copies[4].verification().state(), "CONFIRMED");
  EXPECT_EQ(copies[4].verification().escalated_time(), "2026-12-03T16:00:00Z");

  // An escalation decided on a verification answered since it was read is not stored.
  VerificationRequest asked;
  asked.clue_id = "clue-3";
  asked.question = "still living in the village?";
  asked.person.name = "Test Person";
  Verification third = NewVerification(asked, village, clock_.Now(), calendar_, &ids_).value();
  ASSERT_TRUE(store_->CreateVerification(third).ok());
  std::optional<Verification> stale =
      DecideVerificationEscalation(third, absl::CivilDay(2027, 3, 1), clock_.Now());
  ASSERT_TRUE(stale.has_value());
  ASSERT_TRUE(answer(third.verification_id).ok());
  EXPECT_TRUE(store_->EscalateVerifications({*stale}).value().empty());
  EXPECT_EQ(store_->GetVerification(third.verification_id)->escalated_time, absl::InfinitePast());
}

TEST_F(EscalationScannerTest, ScansEveryBatch) {
  const int plans = EscalationScanner::kBatchSize / 2 + 10;  // more referrals than one batch
  for (int i = 0; i < plans; ++i) MakePlan("clue-" + std::to_string(i));
  clock_.Advance(absl::Hours(24 * 8));  // past accept, within the grace
  EscalationScanner scanner = Scanner();
  absl::StatusOr<int> escalated = scanner.ScanOnce();
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_EQ(*escalated, 2 * plans);
  EXPECT_EQ(seen_["village_committee:accept:escalated"], plans);
  EXPECT_EQ(seen_["disabled_persons_federation:accept:escalated"], plans);
  EXPECT_EQ(scanner.ScanOnce().value(), 0);
}

}  // namespace
}  // namespace lifeline::referral
