#include "referral-service/store/sqlite_referral_store.h"

#include <limits>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/status_macros.h"
#include "common/storage/query_plan.h"
#include "common/testing/process.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/plan_builder.h"
#include "referral-service/domain/verification.h"

namespace lifeline::referral {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kForever = std::numeric_limits<int64_t>::max() / 2;

class SqliteReferralStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteReferralStore::Open(dir_.path() + "/referral.db", &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto router = Router::Create({
        {"disability", "disabled_persons_federation", "rehabilitation", "disability"},
        {"every_plan", "law_popularization", "law education", "every plan"},
        {"every_plan", "village_committee", "home visit", "every plan"},
    });
    ASSERT_TRUE(router.ok());
    router_ = std::make_unique<Router>(std::move(*router));
  }
  void TearDown() override { store_.reset(); }

  Plan NewPlan(const std::string& clue_id) {
    PlanBuilder builder(router_.get(), &clock_, &ids_);
    PlanRequest request;
    request.clue_id = clue_id;
    request.person.person_id = "person-1";
    request.person.name = "Test Person";
    request.person.id_masked = "3415**********123X";
    request.needs = {"disability"};
    request.approved_by = "procurator-1";
    auto plan = builder.Build(request, [](const std::string&) { return std::nullopt; });
    EXPECT_TRUE(plan.ok());
    return *plan;
  }

  absl::StatusOr<CreatePlanResult> Create(const Plan& plan) {
    return store_->CreatePlan(plan, BuildDeliveryRequests(plan));
  }

  // The decisions of an escalation scan on `today`, read and decided, not yet stored.
  std::vector<std::pair<EscalationSubject, EscalationDecision>> DecideOn(absl::CivilDay today,
                                                                         int limit = 100) {
    auto due = store_->ListDueChecks(today, limit);
    EXPECT_TRUE(due.ok()) << due.status();
    std::vector<std::pair<EscalationSubject, EscalationDecision>> decisions;
    if (!due.ok()) return decisions;
    const WorkingCalendar weekdays;
    for (const EscalationSubject& subject : *due) {
      decisions.emplace_back(subject, DecideEscalation(subject, today, clock_.Now(), weekdays));
    }
    return decisions;
  }

  // Stores what the escalation scan of `today` decides; returns the departments escalated.
  std::vector<std::string> EscalateOn(absl::CivilDay today) {
    auto applied = store_->ApplyEscalations(DecideOn(today));
    EXPECT_TRUE(applied.ok()) << applied.status();
    std::vector<std::string> departments;
    if (applied.ok()) {
      for (const AppliedEscalation& a : *applied) {
        if (a.kind == ReferralEventKind::kEscalated) departments.push_back(a.department);
      }
    }
    return departments;
  }

  std::vector<common::OutboxMessage> Deliveries() {
    auto due = store_->outbox()->Due(kDeliveryTopic, 100, kForever);
    EXPECT_TRUE(due.ok()) << due.status();
    return due.ok() ? *due : std::vector<common::OutboxMessage>{};
  }

  common::testing::TempDir dir_;
  common::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone())};
  SequentialIdGenerator ids_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<SqliteReferralStore> store_;
};

TEST_F(SqliteReferralStoreTest, CreatePlanIsIdempotentPerClue) {
  Plan plan = NewPlan("clue-1");
  auto first = Create(plan);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->plan.plan_id, plan.plan_id);
  ASSERT_EQ(first->plan.referrals.size(), 3u);
  EXPECT_EQ(first->plan.person.id_masked, "3415**********123X");

  Plan again = NewPlan("clue-1");  // new ids, same clue
  auto second = Create(again);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->plan.plan_id, plan.plan_id);
  EXPECT_EQ(second->plan.referrals.size(), 3u);

  EXPECT_EQ(Deliveries().size(), 3u);
  auto changes = store_->ListChanges(0, 100);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->events.size(), 3u);
  auto page = store_->ListReferrals({}, 100, 0);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->referrals.size(), 3u);
  EXPECT_EQ(store_->GetPlan(again.plan_id).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteReferralStoreTest, OutboxHoldsOneDeliveryPerReferral) {
  Plan plan = NewPlan("clue-1");
  ASSERT_TRUE(Create(plan).ok());
  std::set<std::string> keys;
  for (const common::OutboxMessage& message : Deliveries()) {
    lifeline::partner::v1::DeliverReferralRequest request;
    ASSERT_TRUE(request.ParseFromString(message.payload));
    EXPECT_EQ(request.idempotency_key(), request.referral().referral_id());
    EXPECT_EQ(request.referral().plan_id(), plan.plan_id);
    EXPECT_EQ(request.referral().person_id_masked(), "3415**********123X");
    EXPECT_EQ(request.referral().respond_by(), "2026-12-03");
    keys.insert(request.idempotency_key());
  }
  std::set<std::string> expected;
  for (const Referral& r : plan.referrals) expected.insert(r.referral_id);
  EXPECT_EQ(keys, expected);
  auto pending = store_->PendingDeliveries();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 3);
}

TEST_F(SqliteReferralStoreTest, TransitionsAppendEventsAndCloseThePlan) {
  Plan plan = NewPlan("clue-1");
  ASSERT_TRUE(Create(plan).ok());
  const std::string a = plan.referrals[0].referral_id;
  const std::string b = plan.referrals[1].referral_id;
  const std::string c = plan.referrals[2].referral_id;

  clock_.Advance(absl::Hours(1));
  auto accepted = store_->TransitionReferral(a, ReferralState::kAccepted, "", "legal_aid");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->state, ReferralState::kAccepted);
  ASSERT_EQ(accepted->history.size(), 2u);
  EXPECT_EQ(accepted->history[1].from_state, ReferralState::kRequested);
  EXPECT_EQ(accepted->history[1].to_state, ReferralState::kAccepted);
  EXPECT_EQ(accepted->history[1].actor, "legal_aid");

  EXPECT_EQ(store_->TransitionReferral(a, ReferralState::kRequested, "", "x").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->TransitionReferral(b, ReferralState::kRejected, "", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->TransitionReferral("nope", ReferralState::kAccepted, "", "x").status().code(),
            absl::StatusCode::kNotFound);

  ASSERT_TRUE(store_
                  ->TransitionReferral(a, ReferralState::kCompleted, "", "x", "",
                                       ReferralOutcome::kPartlyProvided)
                  .ok());
  ASSERT_TRUE(store_->TransitionReferral(b, ReferralState::kRejected, "not ours", "x").ok());
  auto open = store_->GetPlan(plan.plan_id);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->state, PlanState::kOpen);
  EXPECT_EQ(open->closed_time, absl::InfinitePast());

  ASSERT_TRUE(store_->TransitionReferral(c, ReferralState::kCancelled, "duplicate", "p").ok());
  auto closed = store_->GetPlan(plan.plan_id);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state, PlanState::kClosed);
  EXPECT_EQ(closed->closed_time, clock_.Now());

  auto changes = store_->ListChanges(0, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->events.size(), 7u);  // 3 initial + 4 transitions (failed ones wrote none)
  auto tail = store_->ListChanges(changes->events[3].sequence, 2);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->events.size(), 2u);
  EXPECT_EQ(tail->events[0].sequence, changes->events[4].sequence);
  EXPECT_EQ(tail->last_sequence, changes->events[5].sequence);
  auto empty = store_->ListChanges(tail->last_sequence + 100, 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->events.empty());
  EXPECT_EQ(empty->last_sequence, tail->last_sequence + 100);
}

TEST_F(SqliteReferralStoreTest, ListReferralsFiltersAndPagesNewestFirst) {
  Plan p1 = NewPlan("clue-1");
  Plan p2 = NewPlan("clue-2");
  ASSERT_TRUE(Create(p1).ok());
  ASSERT_TRUE(Create(p2).ok());

  auto first = store_->ListReferrals({}, 4, 0);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->referrals.size(), 4u);
  EXPECT_EQ(first->referrals[0].referral_id, p2.referrals[2].referral_id);
  EXPECT_NE(first->next_cursor, 0);
  auto second = store_->ListReferrals({}, 4, first->next_cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->referrals.size(), 2u);
  EXPECT_EQ(second->referrals[1].referral_id, p1.referrals[0].referral_id);
  EXPECT_EQ(second->next_cursor, 0);

  ReferralFilter by_department;
  by_department.department = "village_committee";
  auto village = store_->ListReferrals(by_department, 10, 0);
  ASSERT_TRUE(village.ok());
  ASSERT_EQ(village->referrals.size(), 2u);
  for (const Referral& r : village->referrals) EXPECT_EQ(r.department, "village_committee");

  ASSERT_TRUE(
      store_->TransitionReferral(p1.referrals[0].referral_id, ReferralState::kAccepted, "", "x")
          .ok());
  ReferralFilter by_state;
  by_state.state = ReferralState::kAccepted;
  by_state.plan_id = p1.plan_id;
  auto accepted = store_->ListReferrals(by_state, 10, 0);
  ASSERT_TRUE(accepted.ok());
  ASSERT_EQ(accepted->referrals.size(), 1u);
  EXPECT_EQ(accepted->referrals[0].referral_id, p1.referrals[0].referral_id);
}

TEST_F(SqliteReferralStoreTest, DeliveryRecording) {
  Plan plan = NewPlan("clue-1");
  ASSERT_TRUE(Create(plan).ok());
  std::vector<common::OutboxMessage> messages = Deliveries();
  ASSERT_EQ(messages.size(), 3u);
  lifeline::partner::v1::DeliverReferralRequest request;
  ASSERT_TRUE(request.ParseFromString(messages[0].payload));
  const std::string id = request.referral().referral_id();

  ASSERT_TRUE(store_->RecordDeliveryFailure(id, "UNAVAILABLE").ok());
  auto failed = store_->GetReferral(id);
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(failed->delivery.delivered);
  EXPECT_EQ(failed->delivery.attempts, 1);
  EXPECT_EQ(failed->delivery.last_error, "UNAVAILABLE");

  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(store_->RecordDeliverySuccess(id, "LA-0001").ok());
  auto delivered = store_->GetReferral(id);
  ASSERT_TRUE(delivered.ok());
  EXPECT_TRUE(delivered->delivery.delivered);
  EXPECT_EQ(delivered->delivery.attempts, 2);
  EXPECT_EQ(delivered->delivery.last_error, "");
  EXPECT_EQ(delivered->delivery.partner_reference, "LA-0001");
  EXPECT_EQ(delivered->delivery.delivered_time, clock_.Now());
  // The message is the outbox dispatcher's to delete.
  EXPECT_EQ(Deliveries().size(), 3u);
  EXPECT_EQ(store_->RecordDeliverySuccess("nope", "ref").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->RecordDeliveryFailure("nope", "UNAVAILABLE").code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteReferralStoreTest, PartnersAndDeleteWithOpenReferrals) {
  Partner partner{"village_committee", "Village committee", "127.0.0.1:1", 5, true};
  Partner other{"police", "Police", "127.0.0.1:2", 3, true};
  auto inserted = store_->InsertPartnersIfAbsent({partner});
  ASSERT_TRUE(inserted.ok());
  EXPECT_EQ(*inserted, 1);
  Partner changed = partner;
  changed.display_name = "Changed";
  // The existing department is left alone; the new one is inserted.
  inserted = store_->InsertPartnersIfAbsent({changed, other});
  ASSERT_TRUE(inserted.ok());
  EXPECT_EQ(*inserted, 1);
  EXPECT_EQ(store_->GetPartner("village_committee")->display_name, "Village committee");
  EXPECT_EQ(store_->GetPartner("police")->display_name, "Police");
  changed.channel = DeliveryChannel::kWebhook;
  changed.webhook_url = "https://village.example/lifeline";
  changed.progress_within_days = 8;
  changed.complete_within_days = 20;
  changed.reroute_after_days = 3;
  ASSERT_TRUE(store_->UpsertPartner(changed, "admin-1").ok());
  // Every field of the entry round-trips.
  const Partner stored = store_->GetPartner("village_committee").value();
  EXPECT_EQ(stored.display_name, "Changed");
  EXPECT_EQ(stored.channel, DeliveryChannel::kWebhook);
  EXPECT_EQ(stored.webhook_url, "https://village.example/lifeline");
  EXPECT_EQ(stored.progress_within_days, 8);
  EXPECT_EQ(stored.complete_within_days, 20);
  EXPECT_EQ(stored.reroute_after_days, 3);
  EXPECT_EQ(store_->GetPartner("police")->channel, DeliveryChannel::kGrpc);
  EXPECT_EQ(store_->GetPartner("nope").status().code(), absl::StatusCode::kNotFound);

  Plan plan = NewPlan("clue-1");
  ASSERT_TRUE(Create(plan).ok());
  EXPECT_EQ(store_->DeletePartner("village_committee", "admin-1").code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_
                  ->TransitionReferral(plan.referrals[2].referral_id, ReferralState::kCancelled,
                                       "moved away", "p")
                  .ok());
  EXPECT_TRUE(store_->DeletePartner("village_committee", "admin-1").ok());
  EXPECT_EQ(store_->DeletePartner("village_committee", "admin-1").code(),
            absl::StatusCode::kNotFound);
  auto partners = store_->ListPartners();
  ASSERT_TRUE(partners.ok());
  ASSERT_EQ(partners->size(), 1u);
  EXPECT_EQ(partners->front().department, "police");

  // The directory's history: seeded, changed (an unchanged write adds nothing), deleted.
  EXPECT_EQ(store_->UpsertPartner(store_->GetPartner("police").value(), "admin-2")->version, 1);
  PartnerChangePage history = store_->ListPartnerChanges("village_committee", 10, 0).value();
  ASSERT_EQ(history.changes.size(), 3u);
  const PartnerChange& deleted = history.changes[0];
  EXPECT_EQ(deleted.action, "deleted");
  EXPECT_EQ(deleted.actor, "admin-1");
  EXPECT_EQ(deleted.version, 3);
  EXPECT_EQ(deleted.changes, "removed");
  const PartnerChange& updated = history.changes[1];
  EXPECT_EQ(updated.action, "updated");
  EXPECT_EQ(updated.version, 2);
  EXPECT_EQ(updated.changes,
            "display_name 'Village committee' -> 'Changed'; progress_within_days 0 -> 8; "
            "complete_within_days 0 -> 20; reroute_after_days 0 -> 3; channel grpc -> webhook; "
            "webhook_url '' -> 'https://village.example/lifeline'");
  EXPECT_EQ(updated.time, clock_.Now());
  const PartnerChange& created = history.changes[2];
  EXPECT_EQ(created.action, "created");
  EXPECT_EQ(created.actor, kPartnersFileActor);
  EXPECT_EQ(created.version, 1);
  PartnerChangePage all = store_->ListPartnerChanges("", 2, 0).value();
  ASSERT_EQ(all.changes.size(), 2u);
  EXPECT_NE(all.next_cursor, 0);
  PartnerChangePage older = store_->ListPartnerChanges("", 10, all.next_cursor).value();
  EXPECT_EQ(older.changes.size(), 2u);  // 4 in all: two created, one updated, one deleted
  EXPECT_EQ(older.next_cursor, 0);
}

TEST_F(SqliteReferralStoreTest, ReferralsPastTheirDeadlineAreEscalatedOnce) {
  Plan plan = NewPlan("clue-1");  // accept due 2026-12-03
  ASSERT_TRUE(Create(plan).ok());
  ASSERT_TRUE(
      store_->TransitionReferral(plan.referrals[0].referral_id, ReferralState::kAccepted, "", "x")
          .ok());
  EXPECT_TRUE(EscalateOn(absl::CivilDay(2026, 12, 3)).empty());
  EXPECT_THAT(EscalateOn(absl::CivilDay(2026, 12, 4)),
              ElementsAre("law_popularization", "village_committee"));
  EXPECT_TRUE(EscalateOn(absl::CivilDay(2026, 12, 5)).empty());
  Referral escalated = store_->GetReferral(plan.referrals[1].referral_id).value();
  EXPECT_EQ(escalated.escalation.level, 1);
  EXPECT_EQ(escalated.history.back().kind, ReferralEventKind::kEscalated);
  EXPECT_EQ(escalated.history.back().note,
            "accept deadline 2026-12-03 passed; escalated to procurator-1");

  auto counts = store_->CountReferrals();
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 3u);
  EXPECT_EQ((*counts)[0].department, "disabled_persons_federation");
  EXPECT_EQ((*counts)[0].state, ReferralState::kAccepted);
  EXPECT_EQ((*counts)[0].count, 1);
}

TEST_F(SqliteReferralStoreTest, EscalationSkipsReferralsThatMovedSinceTheyWereRead) {
  Plan plan = NewPlan("clue-1");  // accept due 2026-12-03
  ASSERT_TRUE(Create(plan).ok());
  absl::CivilDay day(2026, 12, 4);
  auto decisions = DecideOn(day);
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(DecideOn(day, 2).size(), 2u);
  ASSERT_TRUE(
      store_->TransitionReferral(decisions[0].first.referral_id, ReferralState::kAccepted, "", "x")
          .ok());
  auto applied = store_->ApplyEscalations(decisions);
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_EQ(applied->size(), 2u);
  EXPECT_EQ((*applied)[0].department, decisions[1].first.department);
  auto again = store_->ApplyEscalations(decisions);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  // The accepted one is next due after its progress deadline; the others after their grace.
  EXPECT_TRUE(DecideOn(day).empty());
  EXPECT_EQ(store_->GetReferral(decisions[0].first.referral_id)->next_check,
            absl::CivilDay(2026, 12, 11));
}

TEST_F(SqliteReferralStoreTest, ReopenKeepsData) {
  Plan plan = NewPlan("clue-1");
  ASSERT_TRUE(Create(plan).ok());
  store_.reset();
  auto reopened = SqliteReferralStore::Open(dir_.path() + "/referral.db", &clock_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  store_ = std::move(*reopened);
  auto loaded = store_->GetPlan(plan.plan_id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->referrals.size(), 3u);
  EXPECT_EQ(loaded->referrals[0].respond_by, absl::CivilDay(2026, 12, 3));
}

// Runs every path of the store, then checks that each statement it compiled finds its rows
// through an index: plans, referrals, events and the outbox grow with the data.
TEST_F(SqliteReferralStoreTest, NoStatementScansATableThatGrows) {
  Partner partner{"village_committee", "Village committee", "127.0.0.1:1", 5, true};
  ASSERT_TRUE(store_->InsertPartnersIfAbsent({partner}).ok());
  ASSERT_TRUE(store_->UpsertPartner(partner, "admin-1").ok());
  ASSERT_TRUE(store_->GetPartner("village_committee").ok());
  ASSERT_TRUE(store_->ListPartners().ok());

  Plan plan = NewPlan("clue-1");
  ASSERT_TRUE(Create(plan).ok());
  ASSERT_TRUE(Create(NewPlan("clue-1")).ok());  // the idempotent path
  ASSERT_TRUE(store_->GetPlan(plan.plan_id).ok());
  ASSERT_TRUE(store_->GetReferral(plan.referrals[0].referral_id).ok());
  for (bool department : {false, true}) {
    for (bool plan_id : {false, true}) {
      for (bool state : {false, true}) {
        ReferralFilter filter;
        if (department) filter.department = "village_committee";
        if (plan_id) filter.plan_id = plan.plan_id;
        if (state) filter.state = ReferralState::kRequested;
        ASSERT_TRUE(store_->ListReferrals(filter, 1, 0).ok());
        ASSERT_TRUE(store_->ListReferrals(filter, 1, 2).ok());
      }
    }
  }
  const std::string id = plan.referrals[0].referral_id;
  ASSERT_TRUE(store_->TransitionReferral(id, ReferralState::kAccepted, "", "x").ok());
  ASSERT_TRUE(
      store_
          ->TransitionReferral(plan.referrals[1].referral_id, ReferralState::kCancelled, "dup", "x")
          .ok());
  ASSERT_TRUE(
      store_
          ->TransitionReferral(plan.referrals[2].referral_id, ReferralState::kCancelled, "dup", "x")
          .ok());
  ASSERT_TRUE(store_
                  ->TransitionReferral(id, ReferralState::kCompleted, "", "x", "",
                                       ReferralOutcome::kProvided)
                  .ok());
  ASSERT_TRUE(store_->ListChanges(0, 10).ok());
  ASSERT_TRUE(store_->ListChanges(0, 10, "village_committee").ok());
  ASSERT_TRUE(store_->RecordPickup({id}).ok());
  ASSERT_TRUE(store_->ListPartnerChanges("", 10, 0).ok());
  // Verifications: stored, answered, listed by clue, department and open ones, picked up,
  // delivered, parked.
  SequentialIdGenerator verification_ids;
  VerificationRequest asked;
  asked.clue_id = "clu_1";
  asked.question = "no income since the death";
  asked.person.name = "Test Person";
  Partner office{"police", "Police", "127.0.0.1:2", 3, true};
  Verification verification =
      NewVerification(asked, office, clock_.Now(), WorkingCalendar(), &verification_ids).value();
  ASSERT_TRUE(store_->CreateVerification(verification).ok());
  // Escalated when overdue (read through the partial index by respond-by day).
  const absl::CivilDay late(2027, 1, 4);
  ASSERT_EQ(store_->ListVerificationsToEscalate(late, 10).value().size(), 1u);
  std::optional<Verification> overdue =
      DecideVerificationEscalation(verification, late, clock_.Now());
  ASSERT_TRUE(overdue.has_value());
  ASSERT_EQ(store_->EscalateVerifications({*overdue}).value().size(), 1u);
  ASSERT_TRUE(store_->ListVerificationsToEscalate(late, 10).value().empty());
  ASSERT_TRUE(store_->RecordDeliveryFailure(verification.verification_id, "UNAVAILABLE").ok());
  ASSERT_TRUE(store_->RecordDeliverySuccess(verification.verification_id, "r").ok());
  std::vector<common::OutboxMessage> verification_messages =
      store_->outbox()->DueByTime(kVerificationTopic, 10, kForever).value();
  ASSERT_EQ(verification_messages.size(), 1u);
  ASSERT_TRUE(
      store_->ParkDelivery(verification.verification_id, verification_messages[0].id, "UNAVAILABLE")
          .ok());
  ASSERT_TRUE(store_
                  ->AnswerVerification(verification.verification_id,
                                       [&](const Verification& current) {
                                         return DecideAnswer(current,
                                                             {VerificationState::kConfirmed,
                                                              "seen",
                                                              {{"a.pdf", "application/pdf", 1,
                                                                std::string(64, 'c')}},
                                                              "desk",
                                                              ""},
                                                             clock_.Now());
                                       })
                  .ok());
  ASSERT_TRUE(store_->ListVerifications({"clu_1", "", false}, 10, 0).ok());
  ASSERT_TRUE(store_->ListVerifications({"", "police", true}, 10, 0).ok());
  ASSERT_TRUE(store_->ListVerifications({"", "", true}, 10, 0).ok());
  ASSERT_TRUE(store_->ListVerifications({"", "", false}, 10, 0).ok());
  ASSERT_EQ(store_->ListVerifications({"", "", false, true}, 10, 0).value().verifications.size(),
            1u);
  ASSERT_TRUE(store_->RetryVerificationDelivery(verification.verification_id).ok());
  ASSERT_TRUE(store_->ListVerifications({"", "", false, true}, 10, 0)->verifications.empty());
  const std::vector<common::OutboxMessage> requeued =
      store_->outbox()->DueByTime(kVerificationTopic, 10, kForever).value();
  ASSERT_EQ(requeued.size(), 1u);
  ASSERT_TRUE(
      store_->ParkDelivery(verification.verification_id, requeued[0].id, "UNAVAILABLE").ok());
  ASSERT_TRUE(store_->RecordVerificationPickup({verification.verification_id}).ok());
  const Verification kept = store_->GetVerification(verification.verification_id).value();
  EXPECT_EQ(kept.state, VerificationState::kConfirmed);
  EXPECT_EQ(kept.attachments.size(), 1u);
  EXPECT_TRUE(kept.delivery.undeliverable);
  EXPECT_EQ(kept.delivery.attempts, 4);
  EXPECT_EQ(kept.escalated_time, overdue->escalated_time);
  EXPECT_EQ(store_->UndeliverableCount().value(), 1);
  ASSERT_TRUE(store_->ListPartnerChanges("village_committee", 10, 0).ok());
  std::vector<common::OutboxMessage> messages = Deliveries();
  ASSERT_FALSE(messages.empty());
  ASSERT_TRUE(store_->RecordDeliveryFailure(id, "UNAVAILABLE").ok());
  ASSERT_TRUE(store_->outbox()->Reschedule({messages[0].id}, 0).ok());
  ASSERT_TRUE(store_->RecordDeliverySuccess(id, "ref").ok());
  // The delivery dispatcher's delete runs on this connection too.
  ASSERT_TRUE(store_->outbox()->Delete({messages[0].id}).ok());
  ASSERT_TRUE(store_->PendingDeliveries().ok());
  ASSERT_TRUE(store_->CountReferrals().ok());
  ASSERT_TRUE(store_->OldestPendingDeliveryMs().ok());
  // Adding a referral to the plan (reopening it if closed) reads and writes by key.
  ASSERT_TRUE(store_
                  ->AddReferral(plan.plan_id,
                                [](const Plan& stored) -> absl::StatusOr<Referral> {
                                  Referral added;
                                  added.referral_id = "ref-added";
                                  added.plan_id = stored.plan_id;
                                  added.department = "legal_aid";
                                  added.service = "another office";
                                  added.reason = "re-routed";
                                  added.rerouted_from = stored.referrals[1].referral_id;
                                  ReferralEvent created;
                                  created.referral_id = added.referral_id;
                                  created.to_state = added.state;
                                  added.history.push_back(created);
                                  return added;
                                })
                  .ok());
  ASSERT_TRUE(store_->DeletePartner("village_committee", "admin-1").ok());  // its referral is final
  ASSERT_TRUE(Create(NewPlan("clue-2")).ok());
  EXPECT_FALSE(EscalateOn(absl::CivilDay(2026, 12, 4)).empty());
  ReferralFilter escalated;
  escalated.escalated = true;
  ASSERT_TRUE(store_->ListReferrals(escalated, 10, 0).ok());
  escalated.department = "law_popularization";
  ASSERT_TRUE(store_->ListReferrals(escalated, 10, 0).ok());
  // Parking a delivery, listing and retrying it read and write by key.
  std::vector<common::OutboxMessage> queued = Deliveries();
  ASSERT_FALSE(queued.empty());
  auto parked_referral = lifeline::partner::v1::DeliverReferralRequest();
  ASSERT_TRUE(parked_referral.ParseFromString(queued[0].payload));
  const std::string parked_id = parked_referral.referral().referral_id();
  ASSERT_TRUE(store_->ParkDelivery(parked_id, queued[0].id, "UNAVAILABLE").value());
  ASSERT_TRUE(store_->ListUndeliverable(10, 0).ok());
  ASSERT_TRUE(store_->UndeliverableCount().ok());
  ASSERT_TRUE(store_->RetryDelivery(parked_id, "admin-1").ok());
  ASSERT_TRUE(store_->outbox()->DueByTime(kDeliveryTopic, 10, kForever).ok());

  common::QueryPlanPolicy policy;
  policy.small_tables = {"partners", "outbox_pending"};  // the directory and one row per topic
  policy.work_indexes = {
      {"referrals_next_check", "only referrals not final nor fully escalated, due by today"},
      {"referrals_undeliverable", "only referrals whose delivery is parked"},
      {"referrals_escalated", "only referrals whose current stage is escalated"},
      {"verifications_open", "only verifications still waiting for an answer"},
      {"verifications_to_escalate", "only verifications waiting for an answer, not escalated"},
      {"verifications_undeliverable", "only verifications whose delivery is parked"},
  };
  policy.whole_table_statements = {
      {SqliteReferralStore::kCountReferralsSql,
       "the lifeline_referrals gauge counts every referral by purpose"},
  };
  common::Database* db = store_->database_for_testing();
  auto scans = common::FindFullScans(db, db->CompiledSql(), policy);
  ASSERT_TRUE(scans.ok()) << scans.status();
  EXPECT_THAT(*scans, ::testing::IsEmpty());
}

}  // namespace
}  // namespace lifeline::referral

namespace lifeline::referral {
namespace {

// Concurrent moves share transactions (group commit); a refused move in a batch leaves no trace
// and undoes none of the others.
TEST_F(SqliteReferralStoreTest, ConcurrentMovesCommitTogetherAndARefusedOneUndoesNothing) {
  std::vector<Plan> plans;
  for (int i = 0; i < 8; ++i) {
    plans.push_back(NewPlan("clue-" + std::to_string(i)));
    ASSERT_TRUE(Create(plans.back()).ok());
  }
  std::vector<std::thread> threads;
  std::vector<absl::StatusCode> codes(plans.size() * 3);
  for (size_t p = 0; p < plans.size(); ++p) {
    for (size_t r = 0; r < 3; ++r) {
      threads.emplace_back([&, p, r] {
        // Every third move is refused: COMPLETED straight from REQUESTED.
        const bool refused = r == 2;
        codes[p * 3 + r] =
            store_
                ->TransitionReferral(
                    plans[p].referrals[r].referral_id,
                    refused ? ReferralState::kCompleted : ReferralState::kAccepted, "", "desk", "",
                    refused ? ReferralOutcome::kProvided : ReferralOutcome::kUnspecified)
                .status()
                .code();
      });
    }
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(store_->transition_commits(), store_->transition_moves());
  EXPECT_EQ(store_->transition_moves(), 24);
  for (size_t p = 0; p < plans.size(); ++p) {
    for (size_t r = 0; r < 3; ++r) {
      const Referral stored = store_->GetReferral(plans[p].referrals[r].referral_id).value();
      if (r == 2) {
        EXPECT_EQ(codes[p * 3 + r], absl::StatusCode::kFailedPrecondition);
        EXPECT_EQ(stored.state, ReferralState::kRequested);
        EXPECT_EQ(stored.history.size(), 1u);  // only its creation
      } else {
        EXPECT_EQ(codes[p * 3 + r], absl::StatusCode::kOk);
        EXPECT_EQ(stored.state, ReferralState::kAccepted);
        EXPECT_EQ(stored.history.size(), 2u);
      }
    }
  }
}

}  // namespace
}  // namespace lifeline::referral

namespace lifeline::referral {
namespace {

// A database of schema 11 (before stage deadlines, channels and the directory's history) keeps
// every record through the upgrade: referrals get deadlines estimated from their accept deadline
// and their escalation where the old overdue mark left it, events their department, partners
// the gRPC channel and version 1.
TEST(SqliteReferralStoreUpgradeTest, Schema11DatabaseUpgradesWithoutLosingAnything) {
  common::testing::TempDir dir;
  const std::string path = dir.path() + "/referral.db";
  {
    std::vector<common::Migration> steps = SqliteReferralStore::Migrations();
    steps.erase(steps.begin() + 11, steps.end());
    auto db = common::Database::Open(path);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Migrate(steps).ok());
    ASSERT_TRUE((*db)
                    ->InTransaction([&]() -> absl::Status {
                      RETURN_IF_ERROR((*db)->Exec(
                          "INSERT INTO partners VALUES ('legal_aid', 'Legal aid', '127.0.0.1:1', "
                          "5, 1);"
                          "INSERT INTO plans (plan_id, clue_id, person_id, person_name, "
                          "person_id_masked, person_sex, person_birth_date, person_region_code, "
                          "category, case_number, assistance_amount_fen, referring_unit, "
                          "approved_by, state, created_ms) VALUES ('plan_1', 'clue_1', 'p1', "
                          "'Test Person', '3415**********123X', 0, '', '', '', '', 0, '', "
                          "'pro-1', 1, 0);"));
                      // Requested and marked overdue; requested on time; accepted; completed.
                      RETURN_IF_ERROR((*db)->Exec(
                          "INSERT INTO referrals (referral_id, plan_id, department, service, "
                          "reason, state, respond_by, overdue_marked, created_ms, updated_ms) "
                          "VALUES ('ref_late', 'plan_1', 'legal_aid', 's', 'r', 1, '2026-12-03', "
                          "1, 0, 0), ('ref_due', 'plan_1', 'legal_aid', 's', 'r', 1, "
                          "'2026-12-10', 0, 0, 0), ('ref_accepted', 'plan_1', 'legal_aid', 's', "
                          "'r', 2, '2026-12-03', 0, 0, 0), ('ref_done', 'plan_1', 'legal_aid', "
                          "'s', 'r', 6, '2026-12-03', 0, 0, 0);"
                          "INSERT INTO events (referral_id, from_state, to_state, note, actor, "
                          "time_ms) VALUES ('ref_late', 0, 1, '', 'pro-1', 0), ('ref_done', 2, "
                          "6, '', 'desk', 0);"));
                      return absl::OkStatus();
                    })
                    .ok());
  }
  common::FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  auto store = SqliteReferralStore::Open(path, &clock);
  ASSERT_TRUE(store.ok()) << store.status();

  const Referral late = (*store)->GetReferral("ref_late").value();
  EXPECT_EQ(late.deadlines.accept, absl::CivilDay(2026, 12, 3));
  EXPECT_EQ(late.deadlines.progress, absl::CivilDay(2026, 12, 17));
  EXPECT_EQ(late.deadlines.complete, absl::CivilDay(2027, 1, 14));
  EXPECT_EQ(late.escalation.stage, DeadlineStage::kAccept);
  EXPECT_EQ(late.escalation.level, 1);  // it was marked overdue
  EXPECT_EQ(late.next_check, absl::CivilDay(2026, 12, 11));
  ASSERT_EQ(late.history.size(), 1u);
  EXPECT_EQ(late.history[0].kind, ReferralEventKind::kTransition);
  const Referral due = (*store)->GetReferral("ref_due").value();
  EXPECT_EQ(due.escalation.level, 0);
  EXPECT_EQ(due.next_check, absl::CivilDay(2026, 12, 11));
  const Referral accepted = (*store)->GetReferral("ref_accepted").value();
  EXPECT_EQ(accepted.escalation.stage, DeadlineStage::kProgress);
  EXPECT_EQ(accepted.next_check, absl::CivilDay(2026, 12, 18));
  const Referral done = (*store)->GetReferral("ref_done").value();
  EXPECT_FALSE(done.next_check.has_value());
  EXPECT_FALSE(done.delivery.undeliverable);
  // The department's feed finds the old events; the directory entry keeps its fields.
  const ChangePage feed = (*store)->ListChanges(0, 10, "legal_aid").value();
  EXPECT_EQ(feed.events.size(), 2u);
  const Partner partner = (*store)->GetPartner("legal_aid").value();
  EXPECT_EQ(partner.channel, DeliveryChannel::kGrpc);
  EXPECT_EQ(partner.version, 1);
  EXPECT_EQ(partner.respond_within_days, 5);
}

}  // namespace
}  // namespace lifeline::referral
