// The real referral-service and partner-sim binaries: a plan's referrals reach the simulated
// inbox once each and partner-sim accepts them through ReferralService; a verification request
// reaches it once and partner-sim confirms it.
#include <csignal>
#include <fstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"

namespace lifeline::partner_sim {
namespace {

namespace v1 = ::lifeline::referral::v1;
using common::testing::ChildProcess;

constexpr std::chrono::seconds kStartup{30};

int CountLines(const std::string& path) {
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) lines += line.empty() ? 0 : 1;
  return lines;
}

TEST(PartnerSimE2eTest, PlanAndVerificationAreDeliveredOnceAndAnsweredAutomatically) {
  common::testing::TempDir dir;
  const std::string partners = dir.path() + "/partners.yaml";
  {
    std::ofstream out(partners);
    for (const char* department : {"legal_aid", "law_popularization", "village_committee"}) {
      out << (out.tellp() == 0 ? "partners:\n" : "") << "  - department: " << department
          << "\n    display_name: " << department
          << "\n    inbox_target: \"127.0.0.1:1\"\n    respond_within_days: 5\n"
          << "    enabled: true\n";
    }
  }
  absl::StatusOr<ChildProcess> referral = ChildProcess::Start(
      common::testing::BinDir() + "/referral-service",
      {"--listen_address=127.0.0.1:0", "--insecure_loopback=true",
       "--port_file=" + dir.path() + "/referral.port", "--metrics_address=127.0.0.1:0",
       "--data_dir=" + dir.path() + "/data",
       "--routing_file=" + common::testing::SourceDir() + "/config/referral.yaml",
       "--partners_file=" + partners,
       "--calendar_file=" + common::testing::SourceDir() + "/config/holidays.yaml"},
      {}, dir.path() + "/referral.log");
  ASSERT_TRUE(referral.ok()) << referral.status();
  absl::StatusOr<int> referral_port =
      common::testing::WaitForPortFile(dir.path() + "/referral.port", kStartup);
  ASSERT_TRUE(referral_port.ok()) << referral_port.status();
  const std::string referral_target = "127.0.0.1:" + std::to_string(*referral_port);
  ASSERT_TRUE(common::testing::WaitForServing(referral_target, kStartup).ok());

  const std::string received = dir.path() + "/received.jsonl";
  absl::StatusOr<ChildProcess> sim =
      ChildProcess::Start(common::testing::BinDir() + "/partner-sim",
                          {"--listen_address=127.0.0.1:0", "--insecure_loopback=true",
                           "--port_file=" + dir.path() + "/sim.port",
                           "--metrics_address=", "--received_file=" + received,
                           "--auto_accept=true", "--referral_target=" + referral_target},
                          {}, dir.path() + "/sim.log");
  ASSERT_TRUE(sim.ok()) << sim.status();
  absl::StatusOr<int> sim_port =
      common::testing::WaitForPortFile(dir.path() + "/sim.port", kStartup);
  ASSERT_TRUE(sim_port.ok()) << sim_port.status();
  const std::string sim_target = "127.0.0.1:" + std::to_string(*sim_port);
  ASSERT_TRUE(common::testing::WaitForServing(sim_target, kStartup).ok());

  auto stub = v1::ReferralService::NewStub(
      grpc::CreateChannel(referral_target, grpc::InsecureChannelCredentials()));
  for (const char* department : {"legal_aid", "law_popularization", "village_committee"}) {
    grpc::ClientContext context;
    v1::UpsertPartnerRequest request;
    request.mutable_partner()->set_department(department);
    request.mutable_partner()->set_display_name(department);
    request.mutable_partner()->set_inbox_target(sim_target);
    request.mutable_partner()->set_respond_within_days(5);
    request.mutable_partner()->set_enabled(true);
    v1::Partner response;
    ASSERT_TRUE(stub->UpsertPartner(&context, request, &response).ok());
  }

  v1::CreatePlanRequest create;
  create.set_clue_id("clue-e2e-1");
  create.mutable_person()->set_person_id("person-1");
  create.mutable_person()->set_id_masked("3415**********123X");
  create.add_needs("unpaid_compensation");
  v1::Plan plan;
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->CreatePlan(&context, create, &plan).ok());
  }
  ASSERT_EQ(plan.referrals_size(), 3);

  bool all_accepted = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!all_accepted && std::chrono::steady_clock::now() < deadline) {
    grpc::ClientContext context;
    v1::GetPlanRequest get;
    get.set_plan_id(plan.plan_id());
    v1::Plan current;
    ASSERT_TRUE(stub->GetPlan(&context, get, &current).ok());
    all_accepted = true;
    for (const v1::Referral& r : current.referrals()) {
      if (r.state() != v1::REFERRAL_STATE_ACCEPTED || !r.delivery().delivered()) {
        all_accepted = false;
      } else {
        // Accepted by the department's (simulated) system, for that department.
        EXPECT_EQ(r.history(r.history_size() - 1).actor(), "partner-sim");
        EXPECT_EQ(r.history(r.history_size() - 1).actor_department(), r.department());
      }
    }
    if (!all_accepted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(all_accepted);
  EXPECT_EQ(CountLines(received), 3);

  // The village committee is asked to confirm a fact about the person; partner-sim records the
  // request and answers it through ReferralService.AnswerVerification as the committee.
  v1::RequestVerificationRequest ask;
  ask.set_clue_id("clue-e2e-1");
  ask.set_department("village_committee");
  ask.set_question("the family has no income since the father's death");
  ask.mutable_person()->set_name("Test Person");
  ask.mutable_person()->set_id_masked("3415**********123X");
  ask.mutable_person()->set_region_code("341502");
  v1::Verification asked;
  {
    grpc::ClientContext context;
    const grpc::Status status = stub->RequestVerification(&context, ask, &asked);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  v1::Verification answered;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (answered.state() != v1::VERIFICATION_STATE_CONFIRMED &&
         std::chrono::steady_clock::now() < deadline) {
    grpc::ClientContext context;
    v1::ListVerificationsRequest list;
    list.set_clue_id("clue-e2e-1");
    v1::ListVerificationsResponse response;
    ASSERT_TRUE(stub->ListVerifications(&context, list, &response).ok());
    ASSERT_EQ(response.verifications_size(), 1);
    answered = response.verifications(0);
    if (answered.state() != v1::VERIFICATION_STATE_CONFIRMED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_EQ(answered.state(), v1::VERIFICATION_STATE_CONFIRMED);
  EXPECT_EQ(answered.verification_id(), asked.verification_id());
  EXPECT_EQ(answered.answered_by(), "partner-sim");
  EXPECT_EQ(answered.answer_note(), "confirmed by partner-sim");
  ASSERT_EQ(answered.attachments_size(), 1);
  EXPECT_EQ(answered.attachments(0).name(), "partner-sim-visit-record.pdf");
  EXPECT_EQ(answered.attachments(0).content_type(), "application/pdf");
  EXPECT_EQ(answered.attachments(0).size_bytes(), 1024);
  EXPECT_EQ(answered.attachments(0).sha256().size(), 64u);
  EXPECT_EQ(CountLines(received), 4);

  ASSERT_TRUE(sim->Signal(SIGTERM).ok());
  ASSERT_TRUE(referral->Signal(SIGTERM).ok());
  EXPECT_EQ(sim->Wait(std::chrono::seconds(20)).value_or(-1), 0);
  EXPECT_EQ(referral->Wait(std::chrono::seconds(20)).value_or(-1), 0);
}

}  // namespace
}  // namespace lifeline::partner_sim
