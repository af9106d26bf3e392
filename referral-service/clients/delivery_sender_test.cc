#include "referral-service/clients/delivery_sender.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

#include "common/outbox/outbox.h"
#include "common/testing/process.h"
#include "common/webhook/signature.h"
#include "referral-service/clients/fake_partner_inbox_client.h"
#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/plan_builder.h"
#include "referral-service/store/sqlite_referral_store.h"

namespace lifeline::referral {
namespace {

constexpr char kVillage[] = "village_committee";

// Fails every delivery to one target, passes the others to a FakePartnerInboxClient.
class OnePartnerDown : public PartnerInboxClient {
 public:
  explicit OnePartnerDown(PartnerInboxClient* next) : next_(next) {}

  absl::StatusOr<std::string> Deliver(
      const std::string& target,
      const lifeline::partner::v1::DeliverReferralRequest& request) override {
    if (target == down_) return absl::UnavailableError("partner down");
    return next_->Deliver(target, request);
  }
  absl::StatusOr<std::string> DeliverVerification(
      const std::string& target,
      const lifeline::partner::v1::DeliverVerificationRequest& request) override {
    if (target == down_) return absl::UnavailableError("partner down");
    return next_->DeliverVerification(target, request);
  }
  void set_down(std::string target) { down_ = std::move(target); }

 private:
  PartnerInboxClient* next_;
  std::string down_;
};

class DeliverySenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteReferralStore::Open(dir_.path() + "/referral.db", &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto router = Router::Create({
        {"disability", "disabled_persons_federation", "rehabilitation", "disability"},
        {"every_plan", "law_popularization", "law education", "every plan"},
        {"every_plan", kVillage, "home visit", "every plan"},
    });
    ASSERT_TRUE(router.ok());
    router_ = std::make_unique<Router>(std::move(*router));
    for (const char* department : {"disabled_persons_federation", "law_popularization", kVillage}) {
      ASSERT_TRUE(store_->UpsertPartner(EnabledPartner(department), "admin-1").ok());
    }
  }

  static Partner EnabledPartner(const std::string& department) {
    return {department, department, "inbox-" + department, 5, true};
  }

  // Stores a plan with one referral per department, each queued for delivery.
  Plan CreatePlan(const std::string& clue_id) {
    PlanBuilder builder(router_.get(), &clock_, &ids_);
    PlanRequest request;
    request.clue_id = clue_id;
    request.person.person_id = "person-1";
    request.person.name = "Test Person";
    request.person.id_masked = "3415**********123X";
    request.needs = {"disability"};
    absl::StatusOr<Plan> plan =
        builder.Build(request, [](const std::string&) { return std::nullopt; });
    EXPECT_TRUE(plan.ok()) << plan.status();
    EXPECT_TRUE(store_->CreatePlan(*plan, BuildDeliveryRequests(*plan)).ok());
    return *plan;
  }

  // A dispatcher as main builds it, around the sender under test.
  std::unique_ptr<common::OutboxDispatcher> Dispatcher(std::chrono::milliseconds backoff,
                                                       int batch_size = 50) {
    common::OutboxDispatcher::Options options;
    options.topic = kDeliveryTopic;
    options.batch_size = batch_size;
    options.min_backoff = backoff;
    options.max_backoff = backoff;
    options.per_message_backoff = true;
    return std::make_unique<common::OutboxDispatcher>(
        store_->outbox(),
        MakeDeliverySender(store_.get(), client_,
                           {.inbox_override = inbox_override_,
                            .max_attempts = max_attempts_,
                            .webhook = webhook_,
                            .receiver_pause = receiver_pause_},
                           [this](const std::string& department, std::string_view channel,
                                  std::string_view result) {
                             ++results_[department + ":" + std::string(result)];
                             if (!channel.empty()) ++channels_[std::string(channel)];
                           }),
        options);
  }

  Referral Stored(const std::string& referral_id) {
    absl::StatusOr<Referral> referral = store_->GetReferral(referral_id);
    EXPECT_TRUE(referral.ok()) << referral.status();
    return referral.ok() ? *referral : Referral();
  }

  int64_t Pending() { return store_->PendingDeliveries().value(); }

  // Calls made per idempotency key (failed ones included).
  std::map<std::string, int> CallsPerReferral() {
    std::map<std::string, int> calls;
    for (const auto& call : inbox_.calls()) ++calls[call.request.idempotency_key()];
    return calls;
  }

  common::testing::TempDir dir_;
  common::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone())};
  SequentialIdGenerator ids_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<SqliteReferralStore> store_;
  FakePartnerInboxClient inbox_;
  PartnerInboxClient* client_ = &inbox_;
  std::string inbox_override_;
  int max_attempts_ = 0;
  WebhookDelivery* webhook_ = nullptr;
  std::chrono::milliseconds receiver_pause_{0};
  std::map<std::string, int> results_;
  std::map<std::string, int> channels_;
};

TEST_F(DeliverySenderTest, DeliversTheDomainsRequestToEachPartnerAndRecordsIt) {
  const Plan plan = CreatePlan("clue-1");
  auto dispatcher = Dispatcher(std::chrono::milliseconds(0));
  EXPECT_EQ(dispatcher->DrainOnce().value(), 3);
  EXPECT_EQ(dispatcher->DrainOnce().value(), 0);
  EXPECT_EQ(Pending(), 0);

  std::vector<FakePartnerInboxClient::Call> calls = inbox_.calls();
  ASSERT_EQ(calls.size(), 3u);
  for (size_t i = 0; i < calls.size(); ++i) {
    const Referral& referral = plan.referrals[i];
    // What the partner gets is what the domain built, untouched.
    EXPECT_EQ(calls[i].request.SerializeAsString(),
              BuildDeliveryRequest(plan, referral).SerializeAsString());
    EXPECT_EQ(calls[i].target, "inbox-" + referral.department);
    const Referral stored = Stored(referral.referral_id);
    EXPECT_TRUE(stored.delivery.delivered);
    EXPECT_EQ(stored.delivery.attempts, 1);
    EXPECT_EQ(stored.delivery.partner_reference, "fake-" + referral.referral_id);
    EXPECT_EQ(stored.delivery.delivered_time, clock_.Now());
  }
  EXPECT_EQ(results_, (std::map<std::string, int>{{"disabled_persons_federation:delivered", 1},
                                                  {"law_popularization:delivered", 1},
                                                  {"village_committee:delivered", 1}}));
}

TEST_F(DeliverySenderTest, InboxOverrideReplacesEveryTarget) {
  inbox_override_ = "127.0.0.1:50054";
  CreatePlan("clue-1");
  EXPECT_EQ(Dispatcher(std::chrono::milliseconds(0))->DrainOnce().value(), 3);
  ASSERT_EQ(inbox_.calls().size(), 3u);
  for (const auto& call : inbox_.calls()) EXPECT_EQ(call.target, "127.0.0.1:50054");
}

// One failed delivery fails the batch, but only it is sent again.
TEST_F(DeliverySenderTest, FailedDeliveryIsRecordedAndOnlyItIsRetried) {
  const Plan plan = CreatePlan("clue-1");
  auto dispatcher = Dispatcher(std::chrono::milliseconds(0));
  inbox_.FailNext({absl::UnavailableError("down")});
  EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Pending(), 1);
  const std::string& first = plan.referrals[0].referral_id;
  Referral failed = Stored(first);
  EXPECT_FALSE(failed.delivery.delivered);
  EXPECT_EQ(failed.delivery.attempts, 1);
  EXPECT_EQ(failed.delivery.last_error, "UNAVAILABLE");

  EXPECT_EQ(dispatcher->DrainOnce().value(), 1);
  EXPECT_EQ(Pending(), 0);
  std::map<std::string, int> calls = CallsPerReferral();
  EXPECT_EQ(calls[first], 2);
  EXPECT_EQ(calls[plan.referrals[1].referral_id], 1);
  EXPECT_EQ(calls[plan.referrals[2].referral_id], 1);
  for (const Referral& referral : plan.referrals) {
    EXPECT_EQ(inbox_.DeliveredCount(referral.referral_id), 1);
  }
  EXPECT_TRUE(Stored(first).delivery.delivered);
  EXPECT_EQ(Stored(first).delivery.attempts, 2);
  EXPECT_EQ(results_["disabled_persons_federation:failed"], 1);
  EXPECT_EQ(results_["disabled_persons_federation:delivered"], 1);
}

TEST_F(DeliverySenderTest, MissingOrDisabledPartnerStaysQueuedUntilItIsThere) {
  ASSERT_TRUE(store_->DeletePartner("law_popularization", "admin-1").ok());
  Partner disabled = EnabledPartner(kVillage);
  disabled.enabled = false;
  ASSERT_TRUE(store_->UpsertPartner(disabled, "admin-1").ok());
  const Plan plan = CreatePlan("clue-1");
  auto dispatcher = Dispatcher(std::chrono::milliseconds(0));

  EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(inbox_.calls().size(), 1u);
  EXPECT_EQ(Pending(), 2);
  EXPECT_EQ(Stored(plan.referrals[1].referral_id).delivery.last_error, "NOT_FOUND");
  EXPECT_EQ(Stored(plan.referrals[2].referral_id).delivery.last_error, "FAILED_PRECONDITION");
  EXPECT_EQ(results_, (std::map<std::string, int>{{"disabled_persons_federation:delivered", 1},
                                                  {"law_popularization:no_partner", 1},
                                                  {"village_committee:disabled", 1}}));

  ASSERT_TRUE(store_->UpsertPartner(EnabledPartner("law_popularization"), "admin-1").ok());
  ASSERT_TRUE(store_->UpsertPartner(EnabledPartner(kVillage), "admin-1").ok());
  EXPECT_EQ(dispatcher->DrainOnce().value(), 2);
  EXPECT_EQ(Pending(), 0);
  for (const Referral& referral : plan.referrals) {
    EXPECT_EQ(inbox_.DeliveredCount(referral.referral_id), 1);
    EXPECT_TRUE(Stored(referral.referral_id).delivery.delivered);
  }
}

TEST_F(DeliverySenderTest, ReferralThatIsAlreadyFinalIsSkipped) {
  const Plan plan = CreatePlan("clue-1");
  const std::string& cancelled = plan.referrals[1].referral_id;
  ASSERT_TRUE(store_->TransitionReferral(cancelled, ReferralState::kCancelled, "dup", "x").ok());
  EXPECT_EQ(Dispatcher(std::chrono::milliseconds(0))->DrainOnce().value(), 3);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(inbox_.calls().size(), 2u);
  EXPECT_EQ(CallsPerReferral().count(cancelled), 0u);
  EXPECT_FALSE(Stored(cancelled).delivery.delivered);
  EXPECT_EQ(results_["law_popularization:skipped"], 1);
}

TEST_F(DeliverySenderTest, UnreadableOrOrphanMessagesAreDroppedWithoutADelivery) {
  lifeline::partner::v1::DeliverReferralRequest orphan;
  orphan.set_idempotency_key("ref_unknown");
  orphan.mutable_referral()->set_referral_id("ref_unknown");
  orphan.mutable_referral()->set_department(kVillage);
  ASSERT_TRUE(store_->outbox()->Enqueue(kDeliveryTopic, orphan.SerializeAsString()).ok());
  ASSERT_TRUE(store_->outbox()->Enqueue(kDeliveryTopic, std::string("\xff\xff\xff", 3)).ok());
  EXPECT_EQ(Dispatcher(std::chrono::milliseconds(0))->DrainOnce().value(), 2);
  EXPECT_EQ(Pending(), 0);
  EXPECT_TRUE(inbox_.calls().empty());
  EXPECT_TRUE(results_.empty());
}

TEST_F(DeliverySenderTest, FailedDeliveryWaitsOutTheBackoff) {
  const Plan plan = CreatePlan("clue-1");
  auto dispatcher = Dispatcher(std::chrono::hours(1));
  inbox_.FailNext({absl::UnavailableError("down")});
  EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  // Not due for an hour: nothing is sent now.
  EXPECT_EQ(dispatcher->DrainOnce().value(), 0);
  EXPECT_EQ(inbox_.calls().size(), 3u);
  EXPECT_EQ(Pending(), 1);
}

// A partner down across batches: the other partners get theirs, each once, and nothing is lost
// when it comes back.
TEST_F(DeliverySenderTest, NothingIsLostOrResentAcrossAPartnerOutage) {
  std::vector<Plan> plans = {CreatePlan("clue-1"), CreatePlan("clue-2"), CreatePlan("clue-3")};
  OnePartnerDown client(&inbox_);
  client.set_down("inbox-village_committee");
  client_ = &client;
  auto dispatcher = Dispatcher(std::chrono::milliseconds(0), /*batch_size=*/4);

  // Batches of four; each village message waits out its own backoff while the rest go on.
  for (int round = 0; round < 20 && (Pending() > 3 || results_["village_committee:failed"] < 3);
       ++round) {
    absl::StatusOr<int> sent = dispatcher->DrainOnce();
    EXPECT_TRUE(sent.ok() || absl::IsUnavailable(sent.status())) << sent.status();
  }
  EXPECT_EQ(Pending(), 3);
  EXPECT_EQ(inbox_.calls().size(), 6u);  // the failed calls never reached it
  EXPECT_GE(results_["village_committee:failed"], 3);

  client.set_down("");
  EXPECT_EQ(dispatcher->DrainOnce().value(), 3);
  EXPECT_EQ(Pending(), 0);
  for (const Plan& plan : plans) {
    for (const Referral& referral : plan.referrals) {
      EXPECT_EQ(inbox_.DeliveredCount(referral.referral_id), 1) << referral.department;
      EXPECT_TRUE(Stored(referral.referral_id).delivery.delivered);
    }
  }
  EXPECT_EQ(inbox_.calls().size(), 9u);
  EXPECT_EQ(results_["village_committee:delivered"], 3);
}

// After its last allowed attempt a delivery is parked: out of the queue, shown on the referral
// and in ListUndeliverable, recorded in the history; an admin's retry queues it again once.
TEST_F(DeliverySenderTest, DeliveryIsParkedAfterItsLastAttemptAndAnAdminRetriesIt) {
  max_attempts_ = 2;
  const Plan plan = CreatePlan("clue-1");
  OnePartnerDown client(&inbox_);
  client.set_down("inbox-village_committee");
  client_ = &client;
  auto dispatcher = Dispatcher(std::chrono::milliseconds(0));
  const std::string village = plan.referrals[2].referral_id;
  ASSERT_EQ(plan.referrals[2].department, kVillage);

  EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Stored(village).delivery.attempts, 1);
  EXPECT_FALSE(Stored(village).delivery.undeliverable);
  // The second failure is the last allowed: parked, settled, nothing left queued.
  EXPECT_EQ(dispatcher->DrainOnce().value(), 1);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(store_->UndeliverableCount().value(), 1);
  Referral parked = Stored(village);
  EXPECT_TRUE(parked.delivery.undeliverable);
  EXPECT_EQ(parked.delivery.parked_time, clock_.Now());
  EXPECT_EQ(parked.delivery.attempts, 2);
  EXPECT_EQ(parked.delivery.last_error, "UNAVAILABLE");
  ASSERT_EQ(parked.history.size(), 2u);
  EXPECT_EQ(parked.history[1].kind, ReferralEventKind::kDeliveryParked);
  EXPECT_EQ(parked.history[1].from_state, ReferralState::kRequested);
  EXPECT_EQ(parked.history[1].to_state, ReferralState::kRequested);
  EXPECT_EQ(parked.history[1].actor, "referral-service");
  EXPECT_EQ(results_["village_committee:undeliverable"], 1);
  EXPECT_EQ(dispatcher->DrainOnce().value(), 0);  // parked: never tried on its own

  ReferralPage undeliverable = store_->ListUndeliverable(10, 0).value();
  ASSERT_EQ(undeliverable.referrals.size(), 1u);
  EXPECT_EQ(undeliverable.referrals[0].referral_id, village);

  // Only a parked delivery can be retried.
  EXPECT_EQ(store_->RetryDelivery(plan.referrals[0].referral_id, "admin-1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->RetryDelivery("ref_missing", "admin-1").status().code(),
            absl::StatusCode::kNotFound);
  client.set_down("");
  absl::StatusOr<Referral> retried = store_->RetryDelivery(village, "admin-1");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->delivery.undeliverable);
  EXPECT_EQ(retried->history.back().kind, ReferralEventKind::kDeliveryRetried);
  EXPECT_EQ(retried->history.back().actor, "admin-1");
  EXPECT_EQ(store_->RetryDelivery(village, "admin-1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(store_->UndeliverableCount().value(), 0);
  EXPECT_TRUE(store_->ListUndeliverable(10, 0).value().referrals.empty());

  EXPECT_EQ(dispatcher->DrainOnce().value(), 1);
  EXPECT_EQ(inbox_.DeliveredCount(village), 1);
  EXPECT_TRUE(Stored(village).delivery.delivered);
  EXPECT_EQ(Pending(), 0);
}

}  // namespace
}  // namespace lifeline::referral

namespace lifeline::referral {
namespace {

constexpr char kVillageSecret[] = "village-secret-0123456789abcdefghijklmnop";

// A webhook receiver in memory: verifies what it gets as a department would and answers with
// the status it is told to.
struct FakeWebhook {
  absl::StatusOr<common::WebhookResponse> Post(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
      const std::string& body) {
    std::map<std::string, std::string> h(headers.begin(), headers.end());
    urls.push_back(url);
    verified.push_back(common::VerifyWebhook(kVillageSecret, h[common::kWebhookTimestampHeader],
                                             h[common::kWebhookSignatureHeader], body,
                                             absl::ToUnixSeconds(absl::Now()) + 0,
                                             /*tolerance_seconds=*/10 * 365 * 86400));
    keys.push_back(h[common::kWebhookIdempotencyKeyHeader]);
    bodies.push_back(body);
    if (!down.ok()) return down;
    return common::WebhookResponse{status, R"({"partner_reference":"wh-1","extra":true})"};
  }
  int status = 200;
  absl::Status down = absl::OkStatus();
  std::vector<std::string> urls;
  std::vector<absl::Status> verified;
  std::vector<std::string> keys;
  std::vector<std::string> bodies;
};

// A webhook department gets the signed JSON of the domain's request, idempotency key in the
// header; its 4xx and 5xx answers leave the delivery queued; a polling department is not pushed
// to and its delivery is recorded when it reads its feed.
TEST_F(DeliverySenderTest, WebhookAndPollingDepartmentsGetTheirReferralsTheirWay) {
  Partner village = EnabledPartner(kVillage);
  village.channel = DeliveryChannel::kWebhook;
  village.webhook_url = "https://village.example:8443/lifeline";
  ASSERT_TRUE(store_->UpsertPartner(village, "admin-1").ok());
  Partner law = EnabledPartner("law_popularization");
  law.channel = DeliveryChannel::kPolling;
  ASSERT_TRUE(store_->UpsertPartner(law, "admin-1").ok());
  FakeWebhook receiver;
  WebhookDelivery webhook(
      [&receiver](const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body) { return receiver.Post(url, headers, body); },
      {{kVillage, kVillageSecret}}, &clock_);
  webhook_ = &webhook;
  const Plan plan = CreatePlan("clue-1");
  const Referral& village_referral = plan.referrals[2];
  const Referral& law_referral = plan.referrals[1];
  ASSERT_EQ(village_referral.department, kVillage);

  receiver.status = 503;
  auto dispatcher = Dispatcher(std::chrono::milliseconds(0));
  EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Stored(village_referral.referral_id).delivery.last_error, "UNAVAILABLE");
  receiver.status = 401;
  EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Stored(village_referral.referral_id).delivery.last_error, "FAILED_PRECONDITION");
  receiver.status = 200;
  EXPECT_EQ(dispatcher->DrainOnce().value(), 1);
  EXPECT_EQ(Pending(), 0);

  ASSERT_EQ(receiver.urls.size(), 3u);
  for (size_t i = 0; i < receiver.urls.size(); ++i) {
    EXPECT_EQ(receiver.urls[i], village.webhook_url);
    EXPECT_TRUE(receiver.verified[i].ok()) << receiver.verified[i];
    EXPECT_EQ(receiver.keys[i], village_referral.referral_id);
  }
  lifeline::partner::v1::DeliverReferralRequest sent;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(receiver.bodies[2], &sent).ok());
  EXPECT_EQ(sent.SerializeAsString(),
            BuildDeliveryRequest(plan, village_referral).SerializeAsString());
  EXPECT_NE(receiver.bodies[2].find("\"idempotency_key\""), std::string::npos);  // proto names
  const Referral delivered = Stored(village_referral.referral_id);
  EXPECT_TRUE(delivered.delivery.delivered);
  EXPECT_EQ(delivered.delivery.partner_reference, "wh-1");
  EXPECT_EQ(delivered.delivery.attempts, 3);
  EXPECT_EQ(channels_["webhook"], 3);

  // The polling department was never pushed to; its read records the delivery, once.
  EXPECT_EQ(CallsPerReferral().count(law_referral.referral_id), 0u);
  EXPECT_EQ(results_["law_popularization:awaiting_pickup"], 1);
  EXPECT_FALSE(Stored(law_referral.referral_id).delivery.delivered);
  ChangePage feed = store_->ListChanges(0, 100, "law_popularization").value();
  ASSERT_EQ(feed.referrals.size(), 1u);
  EXPECT_EQ(feed.referrals[0].referral_id, law_referral.referral_id);
  for (const ReferralEvent& event : feed.events) {
    EXPECT_EQ(event.referral_id, law_referral.referral_id);
  }
  EXPECT_EQ(store_->RecordPickup({law_referral.referral_id}).value(), 1);
  EXPECT_EQ(store_->RecordPickup({law_referral.referral_id}).value(), 0);
  EXPECT_TRUE(Stored(law_referral.referral_id).delivery.delivered);
  EXPECT_EQ(Stored(law_referral.referral_id).delivery.partner_reference, kPolledReference);
}

// A webhook department without a secret is never sent anything unsigned.
TEST_F(DeliverySenderTest, WebhookDepartmentWithoutASecretStaysQueued) {
  Partner village = EnabledPartner(kVillage);
  village.channel = DeliveryChannel::kWebhook;
  village.webhook_url = "https://village.example/lifeline";
  ASSERT_TRUE(store_->UpsertPartner(village, "admin-1").ok());
  FakeWebhook receiver;
  WebhookDelivery webhook(
      [&receiver](const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body) { return receiver.Post(url, headers, body); },
      {{"another_department", kVillageSecret}}, &clock_);
  webhook_ = &webhook;
  const Plan plan = CreatePlan("clue-1");
  EXPECT_EQ(Dispatcher(std::chrono::milliseconds(0))->DrainOnce().status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(receiver.urls.empty());
  EXPECT_EQ(Stored(plan.referrals[2].referral_id).delivery.last_error, "FAILED_PRECONDITION");
  EXPECT_EQ(Pending(), 1);
}

// A receiver that fails to answer is tried once per pause, not once per queued message: its
// other deliveries wait untried ("deferred") while every other department's go out; after the
// pause it is tried again and, back, gets them all.
TEST_F(DeliverySenderTest, AReceiverThatFailsIsPausedInsteadOfTriedForEveryMessage) {
  receiver_pause_ = std::chrono::milliseconds(300);
  std::vector<Plan> plans = {CreatePlan("clue-1"), CreatePlan("clue-2"), CreatePlan("clue-3")};
  OnePartnerDown down(&inbox_);
  down.set_down("inbox-village_committee");
  int village_calls = 0;
  struct Counting : PartnerInboxClient {
    absl::StatusOr<std::string> Deliver(
        const std::string& target,
        const lifeline::partner::v1::DeliverReferralRequest& request) override {
      if (target == "inbox-village_committee") ++*calls;
      return next->Deliver(target, request);
    }
    absl::StatusOr<std::string> DeliverVerification(
        const std::string& target,
        const lifeline::partner::v1::DeliverVerificationRequest& request) override {
      return next->DeliverVerification(target, request);
    }
    PartnerInboxClient* next = nullptr;
    int* calls = nullptr;
  } counting;
  counting.next = &down;
  counting.calls = &village_calls;
  client_ = &counting;
  auto dispatcher = Dispatcher(std::chrono::milliseconds(0));

  EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(village_calls, 1);  // the other two were deferred untried
  EXPECT_EQ(results_["village_committee:failed"], 1);
  EXPECT_EQ(results_["village_committee:deferred"], 2);
  EXPECT_EQ(Pending(), 3);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(dispatcher->DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(village_calls, 1);  // still paused
  down.set_down("");
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  for (int round = 0; round < 5 && Pending() > 0; ++round) dispatcher->DrainOnce().IgnoreError();
  EXPECT_EQ(Pending(), 0);
  for (const Plan& plan : plans) {
    for (const Referral& referral : plan.referrals) {
      EXPECT_EQ(inbox_.DeliveredCount(referral.referral_id), 1) << referral.department;
    }
  }
}

}  // namespace
}  // namespace lifeline::referral
