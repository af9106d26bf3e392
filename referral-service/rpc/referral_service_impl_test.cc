#include "referral-service/rpc/referral_service_impl.h"

#include <set>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/auth/caller.h"
#include "common/outbox/outbox.h"
#include "common/testing/process.h"
#include "referral-service/clients/delivery_sender.h"
#include "referral-service/clients/fake_partner_inbox_client.h"
#include "referral-service/clients/match_client.h"
#include "referral-service/store/sqlite_referral_store.h"

namespace lifeline::referral {
namespace {

namespace v1 = ::lifeline::referral::v1;
using ::testing::UnorderedElementsAre;

class ReferralServiceImplTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteReferralStore::Open(dir_.path() + "/referral.db", &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto router = Router::Create({
        {"unpaid_compensation", "legal_aid", "legal aid", "unpaid compensation"},
        {"bereavement", "counselling", "counselling", "bereaved"},
        {"every_plan", "law_popularization", "law education", "every plan"},
        {"disability", "disabled_persons_federation", "rehabilitation", "disability"},
        {"every_plan", "village_committee", "home visit", "every plan"},
    });
    ASSERT_TRUE(router.ok());
    router_ = std::make_unique<Router>(std::move(*router));
    for (const char* department : {"legal_aid", "counselling", "law_popularization",
                                   "disabled_persons_federation", "village_committee"}) {
      ASSERT_TRUE(
          store_
              ->UpsertPartner({department, department, std::string("inbox-") + department, 5, true},
                              "admin-1")
              .ok());
    }
    common::OutboxDispatcher::Options options;
    options.topic = kDeliveryTopic;
    options.batch_size = 50;
    dispatcher_ = std::make_unique<common::OutboxDispatcher>(
        store_->outbox(), MakeDeliverySender(store_.get(), &inbox_, {}), options);
    service_ = std::make_unique<ReferralServiceImpl>(store_.get(), router_.get(), &clock_, &ids_,
                                                     [this] { ++plans_created_; });
    service_->set_verification_queued([this] { ++verifications_queued_; });
    service_->set_transition_observer([this](std::string_view from, std::string_view to) {
      std::lock_guard<std::mutex> lock(transitions_mu_);
      transitions_.push_back(std::string(from) + ">" + std::string(to));
    });
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::ReferralService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    server_->Shutdown();
    dispatcher_.reset();
    store_.reset();
  }

  v1::CreatePlanRequest PlanRequest(const std::string& clue_id) {
    v1::CreatePlanRequest request;
    request.set_clue_id(clue_id);
    request.mutable_person()->set_person_id("person-1");
    request.mutable_person()->set_name("Test Person");
    request.mutable_person()->set_id_masked("3415**********123X");
    request.set_approved_amount_fen(3'000'000);
    request.add_needs("unpaid_compensation");
    request.add_needs("bereavement");
    request.add_needs("disability");
    return request;
  }

  grpc::Status Create(const std::string& clue_id, v1::Plan* plan) {
    grpc::ClientContext context;
    return stub_->CreatePlan(&context, PlanRequest(clue_id), plan);
  }

  grpc::Status Transition(const std::string& referral_id, v1::ReferralState to,
                          const std::string& note, v1::Referral* out,
                          const common::Caller& caller = {}, const std::string& claimed_actor = "",
                          v1::ReferralOutcome outcome = v1::REFERRAL_OUTCOME_UNSPECIFIED) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::TransitionReferralRequest request;
    request.set_referral_id(referral_id);
    request.set_to_state(to);
    request.set_note(note);
    request.set_actor(claimed_actor);
    request.set_outcome(outcome);
    return stub_->TransitionReferral(&context, request, out);
  }

  // Drains the outbox until empty or an error.
  void DrainAll() {
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<int> sent = dispatcher_->DrainOnce();
      ASSERT_TRUE(sent.ok()) << sent.status();
      if (*sent == 0) return;
    }
  }

  const v1::Referral& ReferralOf(const v1::Plan& plan, const std::string& department) {
    for (const v1::Referral& r : plan.referrals()) {
      if (r.department() == department) return r;
    }
    ADD_FAILURE() << "no referral for " << department;
    return plan.referrals(0);
  }

  common::testing::TempDir dir_;
  common::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone())};
  SequentialIdGenerator ids_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<SqliteReferralStore> store_;
  FakePartnerInboxClient inbox_;
  std::unique_ptr<common::OutboxDispatcher> dispatcher_;
  std::atomic<int> plans_created_{0};
  std::atomic<int> verifications_queued_{0};
  std::unique_ptr<ReferralServiceImpl> service_;
  std::mutex transitions_mu_;
  std::vector<std::string> transitions_;  // what the observer was told, "FROM>TO"
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ReferralService::Stub> stub_;
};

TEST_F(ReferralServiceImplTest, CreatePlanDeliversEachReferralOnce) {
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-1", &plan).ok());
  EXPECT_EQ(plan.state(), v1::Plan::STATE_OPEN);
  EXPECT_EQ(plan.assistance_amount_fen(), 3'000'000);
  ASSERT_EQ(plan.referrals_size(), 5);
  for (const v1::Referral& r : plan.referrals()) {
    EXPECT_EQ(r.state(), v1::REFERRAL_STATE_REQUESTED);
    EXPECT_EQ(r.respond_by(), "2026-12-03");
    EXPECT_FALSE(r.delivery().delivered());
    ASSERT_EQ(r.history_size(), 1);
  }
  v1::Plan again;
  ASSERT_TRUE(Create("clue-1", &again).ok());
  EXPECT_EQ(again.plan_id(), plan.plan_id());
  EXPECT_EQ(plans_created_.load(), 1);

  DrainAll();
  DrainAll();
  std::vector<FakePartnerInboxClient::Call> calls = inbox_.calls();
  ASSERT_EQ(calls.size(), 5u);
  for (const v1::Referral& r : plan.referrals()) {
    EXPECT_EQ(inbox_.DeliveredCount(r.referral_id()), 1) << r.department();
  }
  std::set<std::string> targets;
  for (const auto& call : calls) targets.insert(call.target);
  EXPECT_TRUE(targets.contains("inbox-legal_aid"));

  grpc::ClientContext context;
  v1::GetPlanRequest get;
  get.set_plan_id(plan.plan_id());
  v1::Plan stored;
  ASSERT_TRUE(stub_->GetPlan(&context, get, &stored).ok());
  const v1::Referral& legal = ReferralOf(stored, "legal_aid");
  EXPECT_TRUE(legal.delivery().delivered());
  EXPECT_EQ(legal.delivery().attempts(), 1);
  EXPECT_EQ(legal.delivery().partner_reference(), "fake-" + legal.referral_id());
  EXPECT_FALSE(legal.delivery().delivered_time().empty());
}

TEST_F(ReferralServiceImplTest, TransitionErrors) {
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-1", &plan).ok());
  const std::string legal = ReferralOf(plan, "legal_aid").referral_id();
  v1::Referral out;
  EXPECT_EQ(Transition(legal, v1::REFERRAL_STATE_COMPLETED, "", &out, {}, "",
                       v1::REFERRAL_OUTCOME_PROVIDED)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // A completion needs its outcome; an outcome comes only with a completion, and a known one.
  EXPECT_EQ(Transition(legal, v1::REFERRAL_STATE_COMPLETED, "", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Transition(legal, v1::REFERRAL_STATE_ACCEPTED, "", &out, {}, "",
                       v1::REFERRAL_OUTCOME_PROVIDED)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Transition(legal, v1::REFERRAL_STATE_COMPLETED, "", &out, {}, "",
                       static_cast<v1::ReferralOutcome>(99))
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Transition(legal, v1::REFERRAL_STATE_REJECTED, "", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Transition(legal, v1::REFERRAL_STATE_UNSPECIFIED, "", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Transition("ref_missing", v1::REFERRAL_STATE_ACCEPTED, "", &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  common::Caller counselling{"counsellor-1", common::kRolePartner, "counselling"};
  EXPECT_EQ(Transition(legal, v1::REFERRAL_STATE_ACCEPTED, "", &out, counselling).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The history records the person and the department they act for, from the signed caller,
  // whatever the request claims.
  common::Caller legal_desk{"legal-aid-desk-1", common::kRolePartner, "legal_aid"};
  grpc::Status ok =
      Transition(legal, v1::REFERRAL_STATE_ACCEPTED, "", &out, legal_desk, "someone-else");
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(out.state(), v1::REFERRAL_STATE_ACCEPTED);
  ASSERT_EQ(out.history_size(), 2);
  EXPECT_EQ(out.history(1).actor(), "legal-aid-desk-1");
  EXPECT_EQ(out.history(1).actor_department(), "legal_aid");
  // A department's system acting without a person (an inbox integration): the department alone.
  common::Caller legal_system{"", common::kRolePartner, "legal_aid"};
  ok = Transition(legal, v1::REFERRAL_STATE_IN_PROGRESS, "", &out, legal_system);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(out.history(2).actor(), "");
  EXPECT_EQ(out.history(2).actor_department(), "legal_aid");
  // Each kind of actor makes only its own moves: a procurator does not work the referral for
  // the department, and the department does not cancel it.
  EXPECT_EQ(
      Transition(legal, v1::REFERRAL_STATE_COMPLETED, "", &out,
                 {"proc-zhao", common::kRoleProcurator, "34"}, "", v1::REFERRAL_OUTCOME_PROVIDED)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      Transition(legal, v1::REFERRAL_STATE_CANCELLED, "not ours", &out, legal_desk).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // A procurator acts for the procuratorate, as themselves.
  common::Caller procurator{"proc-zhao", common::kRoleProcurator, "34"};
  ok = Transition(legal, v1::REFERRAL_STATE_CANCELLED, "duplicate plan", &out, procurator,
                  "legal_aid");
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(out.history(3).actor(), "proc-zhao");
  EXPECT_EQ(out.history(3).actor_department(), "");
  // Each stored change reached the metrics observer, from the plan's creation on.
  std::lock_guard<std::mutex> lock(transitions_mu_);
  EXPECT_EQ(std::count(transitions_.begin(), transitions_.end(), "NONE>REQUESTED"),
            static_cast<long>(plan.referrals_size()));
  EXPECT_EQ(std::count(transitions_.begin(), transitions_.end(), "REQUESTED>ACCEPTED"), 1);
  EXPECT_EQ(std::count(transitions_.begin(), transitions_.end(), "ACCEPTED>IN_PROGRESS"), 1);
  EXPECT_EQ(std::count(transitions_.begin(), transitions_.end(), "IN_PROGRESS>CANCELLED"), 1);
}

// A procurator adds a referral to an open plan and re-routes a rejected one to another office,
// which reopens a closed plan; partners may not, and the plan's rules hold.
TEST_F(ReferralServiceImplTest, ProcuratorAddsAndReroutesReferrals) {
  for (const char* department : {"civil_affairs", "legal_aid_office_b"}) {
    ASSERT_TRUE(
        store_
            ->UpsertPartner({department, department, std::string("inbox-") + department, 5, true},
                            "admin-1")
            .ok());
  }
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-add", &plan).ok());
  const common::Caller procurator{"proc-zhao", common::kRoleProcurator, "34"};
  auto add = [&](const std::string& department, const std::string& reroutes, v1::Referral* out,
                 const common::Caller& caller, const std::string& service = "temporary help") {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::AddReferralRequest request;
    request.set_plan_id(plan.plan_id());
    request.set_department(department);
    request.set_service(service);
    request.set_reason("the household has no income this winter");
    request.set_reroutes_referral_id(reroutes);
    return stub_->AddReferral(&context, request, out);
  };
  v1::Referral out;
  const common::Caller legal_desk{"legal-aid-desk-1", common::kRolePartner, "legal_aid"};
  EXPECT_EQ(add("civil_affairs", "", &out, legal_desk).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(add("no_such_department", "", &out, procurator).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(add("civil_affairs", "", &out, procurator, "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(add("legal_aid", "", &out, procurator).error_code(),  // already has an open one
            grpc::StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(add("civil_affairs", "", &out, procurator).ok());
  EXPECT_EQ(out.state(), v1::REFERRAL_STATE_REQUESTED);
  EXPECT_EQ(out.department(), "civil_affairs");
  EXPECT_FALSE(out.respond_by().empty());
  ASSERT_EQ(out.history_size(), 1);
  EXPECT_EQ(out.history(0).actor(), "proc-zhao");
  const std::string civil = out.referral_id();
  DrainAll();
  EXPECT_EQ(inbox_.DeliveredCount(civil), 1);

  // Legal aid refuses; the procurator re-routes it to another legal-aid office, once.
  const std::string legal = ReferralOf(plan, "legal_aid").referral_id();
  ASSERT_TRUE(Transition(legal, v1::REFERRAL_STATE_REJECTED, "outside our county", &out).ok());
  EXPECT_EQ(
      add("legal_aid_office_b", ReferralOf(plan, "counselling").referral_id(), &out, procurator)
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);  // not rejected or failed
  EXPECT_EQ(add("legal_aid_office_b", "ref_unknown", &out, procurator).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(add("legal_aid_office_b", legal, &out, procurator).ok());
  EXPECT_EQ(out.rerouted_from(), legal);
  EXPECT_EQ(add("civil_affairs", legal, &out, procurator).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // civil affairs' referral is still open
  const std::string office_b = out.referral_id();

  // Everything else ends: the plan closes; adding is refused, re-routing a failed one reopens it.
  grpc::ClientContext get_context;
  v1::GetPlanRequest get;
  get.set_plan_id(plan.plan_id());
  v1::Plan current;
  ASSERT_TRUE(stub_->GetPlan(&get_context, get, &current).ok());
  std::string failed;
  for (const v1::Referral& r : current.referrals()) {
    if (r.state() != v1::REFERRAL_STATE_REQUESTED) continue;
    if (r.referral_id() == office_b) {
      ASSERT_TRUE(Transition(r.referral_id(), v1::REFERRAL_STATE_ACCEPTED, "", &out).ok());
      ASSERT_TRUE(
          Transition(r.referral_id(), v1::REFERRAL_STATE_FAILED, "no lawyer free", &out).ok());
      failed = r.referral_id();
    } else {
      ASSERT_TRUE(
          Transition(r.referral_id(), v1::REFERRAL_STATE_CANCELLED, "family moved", &out).ok());
    }
  }
  ASSERT_FALSE(failed.empty());
  grpc::ClientContext closed_context;
  ASSERT_TRUE(stub_->GetPlan(&closed_context, get, &current).ok());
  ASSERT_EQ(current.state(), v1::Plan::STATE_CLOSED);
  EXPECT_EQ(add("civil_affairs", "", &out, procurator).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(add("civil_affairs", failed, &out, procurator).ok());
  grpc::ClientContext reopened_context;
  ASSERT_TRUE(stub_->GetPlan(&reopened_context, get, &current).ok());
  EXPECT_EQ(current.state(), v1::Plan::STATE_OPEN);
  EXPECT_TRUE(current.closed_time().empty());
}

TEST_F(ReferralServiceImplTest, PlanClosesWhenAllReferralsAreFinal) {
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-1", &plan).ok());
  v1::Referral out;
  for (int i = 0; i < plan.referrals_size(); ++i) {
    const std::string id = plan.referrals(i).referral_id();
    if (i % 2 == 0) {
      ASSERT_TRUE(Transition(id, v1::REFERRAL_STATE_ACCEPTED, "", &out).ok());
      ASSERT_TRUE(Transition(id, v1::REFERRAL_STATE_IN_PROGRESS, "", &out).ok());
      ASSERT_TRUE(
          Transition(id, v1::REFERRAL_STATE_COMPLETED, "lawyer assigned", &out, {}, "",
                     i % 4 == 0 ? v1::REFERRAL_OUTCOME_PROVIDED : v1::REFERRAL_OUTCOME_DECLINED)
              .ok());
      EXPECT_NE(out.outcome(), v1::REFERRAL_OUTCOME_UNSPECIFIED);
    } else {
      ASSERT_TRUE(Transition(id, v1::REFERRAL_STATE_REJECTED, "outside our remit", &out).ok());
    }
    grpc::ClientContext context;
    v1::GetPlanRequest get;
    get.set_plan_id(plan.plan_id());
    v1::Plan current;
    ASSERT_TRUE(stub_->GetPlan(&context, get, &current).ok());
    bool last = i == plan.referrals_size() - 1;
    EXPECT_EQ(current.state(), last ? v1::Plan::STATE_CLOSED : v1::Plan::STATE_OPEN) << i;
    EXPECT_EQ(current.closed_time().empty(), !last);
    if (last) {
      // The closed plan sums up what the completed referrals achieved, in outcome order.
      int completed = 0;
      for (int k = 0; k < plan.referrals_size(); k += 2) ++completed;
      int provided = 0;
      for (int k = 0; k < plan.referrals_size(); k += 4) ++provided;
      ASSERT_GE(current.outcome_summary_size(), 1);
      EXPECT_EQ(current.outcome_summary(0).outcome(), v1::REFERRAL_OUTCOME_PROVIDED);
      EXPECT_EQ(current.outcome_summary(0).referrals(), provided);
      int summed = 0;
      for (const v1::OutcomeCount& count : current.outcome_summary()) summed += count.referrals();
      EXPECT_EQ(summed, completed);
    }
  }
}

TEST_F(ReferralServiceImplTest, ListReferralsPagesAndScopesPartners) {
  v1::Plan p1, p2;
  ASSERT_TRUE(Create("clue-1", &p1).ok());
  ASSERT_TRUE(Create("clue-2", &p2).ok());

  std::vector<std::string> seen;
  std::string token;
  do {
    grpc::ClientContext context;
    v1::ListReferralsRequest request;
    request.set_page_size(3);
    request.set_page_token(token);
    v1::ListReferralsResponse response;
    ASSERT_TRUE(stub_->ListReferrals(&context, request, &response).ok());
    for (const auto& r : response.referrals()) seen.push_back(r.referral_id());
    token = response.next_page_token();
  } while (!token.empty());
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), p2.referrals(4).referral_id());
  EXPECT_EQ(seen.back(), p1.referrals(0).referral_id());

  grpc::ClientContext partner_context;
  EXPECT_TRUE(common::AttachCaller({"", common::kRolePartner, "legal_aid"}, &partner_context).ok());
  v1::ListReferralsResponse mine;
  ASSERT_TRUE(stub_->ListReferrals(&partner_context, v1::ListReferralsRequest(), &mine).ok());
  ASSERT_EQ(mine.referrals_size(), 2);
  for (const auto& r : mine.referrals()) EXPECT_EQ(r.department(), "legal_aid");

  grpc::ClientContext other_context;
  EXPECT_TRUE(common::AttachCaller({"", common::kRolePartner, "legal_aid"}, &other_context).ok());
  v1::ListReferralsRequest other;
  other.set_department("counselling");
  v1::ListReferralsResponse denied;
  EXPECT_EQ(stub_->ListReferrals(&other_context, other, &denied).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  grpc::ClientContext bad_token_context;
  v1::ListReferralsRequest bad_token;
  bad_token.set_page_token("xyz");
  EXPECT_EQ(stub_->ListReferrals(&bad_token_context, bad_token, &denied).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Roles with no part in referrals are refused everywhere, before anything is read or written.
TEST_F(ReferralServiceImplTest, UnknownRolesMayNotUseReferrals) {
  for (const char* role : {common::kRoleAuditor, common::kRoleAgencySubmitter, "someone_new"}) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller({"u", role, "court"}, &context).ok());
    v1::ListPartnersResponse partners;
    EXPECT_EQ(stub_->ListPartners(&context, {}, &partners).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
    grpc::ClientContext create_context;
    EXPECT_TRUE(common::AttachCaller({"u", role, "court"}, &create_context).ok());
    v1::Plan plan;
    EXPECT_EQ(stub_->CreatePlan(&create_context, PlanRequest("clu-x"), &plan).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }
}

TEST_F(ReferralServiceImplTest, PartnerDirectory) {
  v1::UpsertPartnerRequest upsert;
  upsert.mutable_partner()->set_department("education");
  upsert.mutable_partner()->set_display_name("Education bureau");
  upsert.mutable_partner()->set_inbox_target("127.0.0.1:50054");
  upsert.mutable_partner()->set_respond_within_days(5);
  upsert.mutable_partner()->set_enabled(true);
  {
    grpc::ClientContext context;
    v1::Partner out;
    ASSERT_TRUE(stub_->UpsertPartner(&context, upsert, &out).ok());
    EXPECT_EQ(out.display_name(), "Education bureau");
  }
  {
    v1::UpsertPartnerRequest bad = upsert;
    bad.mutable_partner()->set_department("Education Bureau");
    grpc::ClientContext context;
    v1::Partner out;
    EXPECT_EQ(stub_->UpsertPartner(&context, bad, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    bad = upsert;
    bad.mutable_partner()->set_inbox_target("");
    grpc::ClientContext context2;
    EXPECT_EQ(stub_->UpsertPartner(&context2, bad, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller({"", common::kRolePartner, "education"}, &context).ok());
    v1::Partner out;
    EXPECT_EQ(stub_->UpsertPartner(&context, upsert, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    v1::ListPartnersResponse list;
    ASSERT_TRUE(stub_->ListPartners(&context, v1::ListPartnersRequest(), &list).ok());
    EXPECT_EQ(list.partners_size(), 6);
  }
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-1", &plan).ok());
  {
    grpc::ClientContext context;
    v1::DeletePartnerRequest del;
    del.set_department("legal_aid");
    v1::DeletePartnerResponse out;
    EXPECT_EQ(stub_->DeletePartner(&context, del, &out).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext context;
    v1::DeletePartnerRequest del;
    del.set_department("education");
    v1::DeletePartnerResponse out;
    ASSERT_TRUE(stub_->DeletePartner(&context, del, &out).ok());
    grpc::ClientContext get_context;
    v1::GetPartnerRequest get;
    get.set_department("education");
    v1::Partner partner;
    EXPECT_EQ(stub_->GetPartner(&get_context, get, &partner).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(ReferralServiceImplTest, ListChangesAndCreatePlanValidation) {
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-1", &plan).ok());
  v1::Referral out;
  ASSERT_TRUE(
      Transition(plan.referrals(0).referral_id(), v1::REFERRAL_STATE_ACCEPTED, "", &out).ok());
  grpc::ClientContext context;
  v1::ListChangesRequest request;
  request.set_after_sequence(5);
  v1::ListChangesResponse changes;
  ASSERT_TRUE(stub_->ListChanges(&context, request, &changes).ok());
  ASSERT_EQ(changes.events_size(), 1);
  EXPECT_EQ(changes.events(0).to_state(), v1::REFERRAL_STATE_ACCEPTED);
  EXPECT_EQ(changes.events(0).actor(), "internal");
  EXPECT_EQ(changes.last_sequence(), changes.events(0).sequence());

  // The referrals the events are about come along, as they are now.
  ASSERT_EQ(changes.referrals_size(), 1);
  EXPECT_EQ(changes.referrals(0).referral_id(), plan.referrals(0).referral_id());
  EXPECT_EQ(changes.referrals(0).state(), v1::REFERRAL_STATE_ACCEPTED);

  grpc::ClientContext bad_context;
  v1::CreatePlanRequest bad = PlanRequest("");
  v1::Plan ignored;
  EXPECT_EQ(stub_->CreatePlan(&bad_context, bad, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace lifeline::referral

namespace lifeline::referral {
namespace {

// Parked deliveries are listed and retried by admins (and the suite's services) only; the retry
// is recorded under the admin's name and the delivery goes out again.
TEST_F(ReferralServiceImplTest, AdminsListAndRetryUndeliverableDeliveries) {
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-1", &plan).ok());
  const std::string legal_aid = ReferralOf(plan, "legal_aid").referral_id();
  absl::StatusOr<std::vector<common::OutboxMessage>> queued =
      store_->outbox()->DueByTime(kDeliveryTopic, 1, absl::ToUnixMillis(absl::Now()));
  ASSERT_TRUE(queued.ok() && !queued->empty());
  // The first queued delivery is the plan's first referral's.
  const std::string parked_id = plan.referrals(0).referral_id();
  ASSERT_TRUE(store_->ParkDelivery(parked_id, queued->front().id, "UNAVAILABLE").value());

  const common::Caller admin{"admin-1", common::kRoleAdmin, ""};
  const common::Caller procurator{"pro-1", common::kRoleProcurator, "3415"};
  const common::Caller partner{"desk-1", common::kRolePartner, "legal_aid"};
  for (const common::Caller& caller : {procurator, partner}) {
    grpc::ClientContext list_context;
    ASSERT_TRUE(common::AttachCaller(caller, &list_context).ok());
    v1::ListReferralsResponse listed;
    EXPECT_EQ(stub_->ListUndeliverable(&list_context, {}, &listed).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << caller.role;
    grpc::ClientContext retry_context;
    ASSERT_TRUE(common::AttachCaller(caller, &retry_context).ok());
    v1::RetryDeliveryRequest retry;
    retry.set_referral_id(parked_id);
    v1::Referral retried;
    EXPECT_EQ(stub_->RetryDelivery(&retry_context, retry, &retried).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << caller.role;
  }

  grpc::ClientContext list_context;
  ASSERT_TRUE(common::AttachCaller(admin, &list_context).ok());
  v1::ListReferralsResponse listed;
  ASSERT_TRUE(stub_->ListUndeliverable(&list_context, {}, &listed).ok());
  ASSERT_EQ(listed.referrals_size(), 1);
  EXPECT_EQ(listed.referrals(0).referral_id(), parked_id);
  EXPECT_TRUE(listed.referrals(0).delivery().undeliverable());
  EXPECT_FALSE(listed.referrals(0).delivery().parked_time().empty());

  // The plan shows it too, with the parking in the history.
  grpc::ClientContext plan_context;
  v1::GetPlanRequest get;
  get.set_plan_id(plan.plan_id());
  v1::Plan shown;
  ASSERT_TRUE(stub_->GetPlan(&plan_context, get, &shown).ok());
  EXPECT_TRUE(shown.referrals(0).delivery().undeliverable());
  EXPECT_EQ(shown.referrals(0).history().rbegin()->kind(), v1::REFERRAL_EVENT_KIND_DELIVERY_PARKED);

  auto retry = [&](const std::string& referral_id, v1::Referral* out) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(admin, &context).ok());
    v1::RetryDeliveryRequest request;
    request.set_referral_id(referral_id);
    return stub_->RetryDelivery(&context, request, out);
  };
  v1::Referral retried;
  EXPECT_EQ(retry("", &retried).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(retry("ref_missing", &retried).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(retry(legal_aid == parked_id ? plan.referrals(1).referral_id() : legal_aid, &retried)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  const int wakes = plans_created_.load();
  ASSERT_TRUE(retry(parked_id, &retried).ok());
  EXPECT_FALSE(retried.delivery().undeliverable());
  EXPECT_EQ(retried.history().rbegin()->kind(), v1::REFERRAL_EVENT_KIND_DELIVERY_RETRIED);
  EXPECT_EQ(retried.history().rbegin()->actor(), "admin-1");
  EXPECT_EQ(plans_created_.load(), wakes + 1);  // the dispatcher is woken
  DrainAll();
  EXPECT_EQ(inbox_.DeliveredCount(parked_id), 1);
}

// A verification request's parked delivery is listed and retried by admins only, and then goes
// out again.
TEST_F(ReferralServiceImplTest, AdminsListAndRetryParkedVerificationDeliveries) {
  const common::Caller admin{"admin-1", common::kRoleAdmin, ""};
  const common::Caller procurator{"pro-1", common::kRoleProcurator, "3415"};
  const common::Caller office{"vc-desk", common::kRolePartner, "village_committee"};
  v1::Verification made;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(common::AttachCaller(procurator, &context).ok());
    v1::RequestVerificationRequest asked;
    asked.set_clue_id("clu_1");
    asked.set_department("village_committee");
    asked.set_question("Still living in the village?");
    asked.mutable_person()->set_name("Test Person");
    ASSERT_TRUE(stub_->RequestVerification(&context, asked, &made).ok());
  }
  const std::vector<common::OutboxMessage> queued =
      store_->outbox()->DueByTime(kVerificationTopic, 10, int64_t{1} << 62).value();
  ASSERT_EQ(queued.size(), 1u);
  ASSERT_TRUE(store_->ParkDelivery(made.verification_id(), queued[0].id, "UNAVAILABLE").value());

  auto list = [&](const common::Caller& caller, v1::ListVerificationsResponse* out) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::ListVerificationsRequest request;
    request.set_undeliverable_only(true);
    return stub_->ListVerifications(&context, request, out);
  };
  auto retry = [&](const common::Caller& caller, const std::string& id, v1::Verification* out) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::RetryVerificationDeliveryRequest request;
    request.set_verification_id(id);
    return stub_->RetryVerificationDelivery(&context, request, out);
  };
  v1::ListVerificationsResponse listed;
  v1::Verification retried;
  for (const common::Caller& caller : {procurator, office}) {
    EXPECT_EQ(list(caller, &listed).error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << caller.role;
    EXPECT_EQ(retry(caller, made.verification_id(), &retried).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << caller.role;
  }
  ASSERT_TRUE(list(admin, &listed).ok());
  ASSERT_EQ(listed.verifications_size(), 1);
  EXPECT_EQ(listed.verifications(0).verification_id(), made.verification_id());
  EXPECT_TRUE(listed.verifications(0).delivery().undeliverable());
  EXPECT_EQ(listed.verifications(0).delivery().last_error(), "UNAVAILABLE");

  EXPECT_EQ(retry(admin, "", &retried).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(retry(admin, "ver_missing", &retried).error_code(), grpc::StatusCode::NOT_FOUND);
  const int wakes = verifications_queued_.load();
  ASSERT_TRUE(retry(admin, made.verification_id(), &retried).ok());
  EXPECT_FALSE(retried.delivery().undeliverable());
  EXPECT_EQ(verifications_queued_.load(), wakes + 1);  // its dispatcher is woken
  EXPECT_EQ(retry(admin, made.verification_id(), &retried).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(list(admin, &listed).ok());
  EXPECT_EQ(listed.verifications_size(), 0);

  common::OutboxDispatcher::Options options;
  options.topic = kVerificationTopic;
  options.per_message_backoff = true;
  common::OutboxDispatcher verifications(
      store_->outbox(), MakeVerificationSender(store_.get(), &inbox_, {}), options);
  EXPECT_EQ(verifications.DrainOnce().value(), 1);
  EXPECT_EQ(inbox_.DeliveredCount(made.verification_id()), 1);
}

// A department polls its own change feed: only its referrals' events and the referrals, which
// count as delivered once read; another department's feed is refused.
TEST_F(ReferralServiceImplTest, APartnerPollsOnlyItsOwnFeedAndWhatItReadsIsDelivered) {
  v1::Plan plan;
  ASSERT_TRUE(Create("clue-1", &plan).ok());
  const std::string legal_aid = ReferralOf(plan, "legal_aid").referral_id();
  const common::Caller partner{"desk-1", common::kRolePartner, "legal_aid"};
  auto poll = [&](const std::string& department, int64_t after, v1::ListChangesResponse* out) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(partner, &context).ok());
    v1::ListChangesRequest request;
    request.set_after_sequence(after);
    request.set_department(department);
    return stub_->ListChanges(&context, request, out);
  };
  v1::ListChangesResponse other;
  EXPECT_EQ(poll("counselling", 0, &other).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListChangesResponse bad;
  EXPECT_EQ(poll("Not A Code", 0, &bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListChangesResponse feed;
  ASSERT_TRUE(poll("", 0, &feed).ok());
  ASSERT_EQ(feed.events_size(), 1);
  EXPECT_EQ(feed.events(0).referral_id(), legal_aid);
  ASSERT_EQ(feed.referrals_size(), 1);
  EXPECT_EQ(feed.referrals(0).referral_id(), legal_aid);
  EXPECT_EQ(feed.referrals(0).department(), "legal_aid");
  absl::StatusOr<Referral> read = store_->GetReferral(legal_aid);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->delivery.delivered);
  EXPECT_EQ(read->delivery.partner_reference, kPolledReference);
  // Other departments' referrals were not touched.
  EXPECT_FALSE(
      store_->GetReferral(ReferralOf(plan, "counselling").referral_id())->delivery.delivered);

  // From the cursor on: nothing new until something happens to its referral.
  v1::ListChangesResponse next;
  ASSERT_TRUE(poll("legal_aid", feed.last_sequence(), &next).ok());
  EXPECT_EQ(next.events_size(), 0);
  EXPECT_EQ(next.last_sequence(), feed.last_sequence());
  v1::Referral out;
  ASSERT_TRUE(Transition(ReferralOf(plan, "counselling").referral_id(), v1::REFERRAL_STATE_ACCEPTED,
                         "", &out)
                  .ok());
  ASSERT_TRUE(Transition(legal_aid, v1::REFERRAL_STATE_ACCEPTED, "", &out).ok());
  ASSERT_TRUE(poll("legal_aid", feed.last_sequence(), &next).ok());
  ASSERT_EQ(next.events_size(), 1);
  EXPECT_EQ(next.events(0).to_state(), v1::REFERRAL_STATE_ACCEPTED);
}

}  // namespace
}  // namespace lifeline::referral

namespace lifeline::referral {
namespace {

// A procurator asks the village committee to confirm a fact for a clue; the request reaches the
// office over its channel, the office answers once with its attachments' metadata, and the clue's
// verifications show it; nobody else may answer, and partners see only their own.
TEST_F(ReferralServiceImplTest, VerificationRequestIsDeliveredAnsweredAndListedByClue) {
  const common::Caller procurator{"pro-1", common::kRoleProcurator, "3415"};
  const common::Caller office{"vc-desk", common::kRolePartner, "village_committee"};
  const common::Caller other{"la-desk", common::kRolePartner, "legal_aid"};
  auto request = [&](const common::Caller& caller, const std::string& department,
                     v1::Verification* out) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::RequestVerificationRequest asked;
    asked.set_clue_id("clu_1");
    asked.set_department(department);
    asked.set_question("The family has had no income since the father's death.");
    asked.mutable_person()->set_name("Test Person");
    asked.mutable_person()->set_id_masked("3415**********123X");
    return stub_->RequestVerification(&context, asked, out);
  };
  v1::Verification made;
  EXPECT_EQ(request(office, "village_committee", &made).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(request(procurator, "no_such_office", &made).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(request(procurator, "Bad Code", &made).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(request(procurator, "village_committee", &made).ok());
  EXPECT_EQ(made.state(), v1::VERIFICATION_STATE_REQUESTED);
  EXPECT_EQ(made.requested_by(), "pro-1");
  EXPECT_FALSE(made.respond_by().empty());

  // Delivered to the office's inbox under the verification's id.
  common::OutboxDispatcher::Options options;
  options.topic = kVerificationTopic;
  options.per_message_backoff = true;
  common::OutboxDispatcher verifications(
      store_->outbox(), MakeVerificationSender(store_.get(), &inbox_, {}), options);
  EXPECT_EQ(verifications.DrainOnce().value(), 1);
  EXPECT_EQ(inbox_.verification_targets(), (std::vector<std::string>{"inbox-village_committee"}));
  EXPECT_EQ(inbox_.DeliveredCount(made.verification_id()), 1);

  auto answer = [&](const common::Caller& caller, v1::VerificationState result,
                    const std::string& note, v1::Verification* out) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::AnswerVerificationRequest given;
    given.set_verification_id(made.verification_id());
    given.set_result(result);
    given.set_note(note);
    v1::Attachment* attachment = given.add_attachments();
    attachment->set_name("household-visit.pdf");
    attachment->set_content_type("application/pdf");
    attachment->set_size_bytes(2048);
    attachment->set_sha256(std::string(64, 'b'));
    return stub_->AnswerVerification(&context, given, out);
  };
  v1::Verification answered;
  EXPECT_EQ(answer(procurator, v1::VERIFICATION_STATE_CONFIRMED, "", &answered).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(answer(other, v1::VERIFICATION_STATE_CONFIRMED, "", &answered).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(answer(office, v1::VERIFICATION_STATE_NOT_CONFIRMED, "", &answered).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(answer(office, v1::VERIFICATION_STATE_CONFIRMED, "visited", &answered).ok());
  EXPECT_EQ(answered.state(), v1::VERIFICATION_STATE_CONFIRMED);
  EXPECT_EQ(answered.answered_by(), "vc-desk");
  ASSERT_EQ(answered.attachments_size(), 1);
  EXPECT_EQ(answered.attachments(0).sha256(), std::string(64, 'b'));
  EXPECT_EQ(answer(office, v1::VERIFICATION_STATE_CONFIRMED, "again", &answered).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  auto list = [&](const common::Caller& caller, const std::string& clue, bool open_only,
                  v1::ListVerificationsResponse* out) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    v1::ListVerificationsRequest listed;
    listed.set_clue_id(clue);
    listed.set_open_only(open_only);
    return stub_->ListVerifications(&context, listed, out);
  };
  v1::ListVerificationsResponse by_clue;
  ASSERT_TRUE(list(procurator, "clu_1", false, &by_clue).ok());
  ASSERT_EQ(by_clue.verifications_size(), 1);
  EXPECT_EQ(by_clue.verifications(0).answer_note(), "visited");
  EXPECT_TRUE(by_clue.verifications(0).delivery().delivered());
  v1::ListVerificationsResponse open;
  ASSERT_TRUE(list(procurator, "clu_1", true, &open).ok());
  EXPECT_EQ(open.verifications_size(), 0);
  v1::ListVerificationsResponse others;
  ASSERT_TRUE(list(other, "", false, &others).ok());
  EXPECT_EQ(others.verifications_size(), 0);  // legal aid sees none of the village's
  v1::ListVerificationsResponse mine;
  ASSERT_TRUE(list(office, "", false, &mine).ok());
  EXPECT_EQ(mine.verifications_size(), 1);

  // match-service gets the request and then the answer for the clue, in order; a clue it does
  // not know is settled without effect, an outage is retried.
  struct FakeMatch : MatchClient {
    absl::Status RecordVerification(
        const lifeline::match::v1::RecordVerificationRequest& request) override {
      if (!next.empty()) {
        absl::Status status = next.front();
        next.erase(next.begin());
        if (!status.ok()) return status;
      }
      recorded.push_back(request);
      return absl::OkStatus();
    }
    std::vector<absl::Status> next;
    std::vector<lifeline::match::v1::RecordVerificationRequest> recorded;
  } match;
  common::OutboxDispatcher::Options clue_options;
  clue_options.topic = kClueVerificationTopic;
  clue_options.min_backoff = std::chrono::milliseconds(0);
  clue_options.max_backoff = std::chrono::milliseconds(0);
  common::OutboxDispatcher clue_copies(store_->outbox(), MakeClueVerificationSender(&match),
                                       clue_options);
  match.next = {absl::UnavailableError("down")};
  EXPECT_EQ(clue_copies.DrainOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(clue_copies.DrainOnce().value(), 2);
  ASSERT_EQ(match.recorded.size(), 2u);
  EXPECT_EQ(match.recorded[0].clue_id(), "clu_1");
  EXPECT_EQ(match.recorded[0].verification().state(), "REQUESTED");
  EXPECT_EQ(match.recorded[0].verification().requested_by(), "pro-1");
  EXPECT_EQ(match.recorded[1].verification().state(), "CONFIRMED");
  EXPECT_EQ(match.recorded[1].verification().answered_by(), "vc-desk");
  ASSERT_EQ(match.recorded[1].verification().attachments_size(), 1);
  EXPECT_EQ(
      match.recorded[1].verification().attachments(0),
      "household-visit.pdf (application/pdf, 2048 bytes, sha256 " + std::string(64, 'b') + ")");
  v1::Verification another;
  ASSERT_TRUE(request(procurator, "village_committee", &another).ok());
  match.next = {absl::NotFoundError("clue clu_1 not found")};
  EXPECT_EQ(clue_copies.DrainOnce().value(), 1);  // settled: retrying would never succeed
  EXPECT_EQ(match.recorded.size(), 2u);
  EXPECT_EQ(store_->outbox()->Pending(kClueVerificationTopic).value(), 0);
}

}  // namespace
}  // namespace lifeline::referral
