#include "tools/partner-sim/partner_inbox_impl.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/testing/process.h"

namespace lifeline::partner_sim {
namespace {

namespace pb = ::lifeline::partner::v1;
namespace v1 = ::lifeline::referral::v1;

// sha256sum of the text "partner-sim visit record ver_1", computed outside the code under test.
constexpr char kVer1RecordSha256[] =
    "82b2e86d3add9c30117c53f16850a4cd93e5e8e583521b80b0e6a8fad7d0efe8";

std::vector<std::string> Lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

pb::DeliverReferralRequest Request(const std::string& id) {
  pb::DeliverReferralRequest request;
  request.set_idempotency_key(id);
  request.mutable_referral()->set_referral_id(id);
  request.mutable_referral()->set_plan_id("plan_1");
  request.mutable_referral()->set_department("legal_aid");
  request.mutable_referral()->set_respond_by("2026-12-03");
  return request;
}

pb::DeliverVerificationRequest VerificationRequest(const std::string& id) {
  pb::DeliverVerificationRequest request;
  request.set_idempotency_key(id);
  request.mutable_verification()->set_verification_id(id);
  request.mutable_verification()->set_clue_id("clue_1");
  request.mutable_verification()->set_department("village_committee");
  request.mutable_verification()->set_question("the family has no income");
  request.mutable_verification()->set_respond_by("2026-12-10");
  return request;
}

// Checks that `request` is partner-sim's confirmation of ver_1.
void ExpectAutoAnswerForVer1(const v1::AnswerVerificationRequest& request) {
  EXPECT_EQ(request.verification_id(), "ver_1");
  EXPECT_EQ(request.result(), v1::VERIFICATION_STATE_CONFIRMED);
  EXPECT_EQ(request.note(), "confirmed by partner-sim");
  ASSERT_EQ(request.attachments_size(), 1);
  const v1::Attachment& attachment = request.attachments(0);
  EXPECT_EQ(attachment.name(), "partner-sim-visit-record.pdf");
  EXPECT_EQ(attachment.content_type(), "application/pdf");
  EXPECT_EQ(attachment.size_bytes(), 1024);
  EXPECT_EQ(attachment.sha256(), kVer1RecordSha256);
}

class PartnerInboxImplTest : public ::testing::Test {
 protected:
  void TearDown() override { server_.reset(); }

  void StartServer(PartnerInboxImpl* service) {
    grpc::ServerBuilder builder;
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = pb::PartnerInbox::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  grpc::Status Deliver(const pb::DeliverReferralRequest& request,
                       pb::DeliverReferralResponse* response) {
    grpc::ClientContext context;
    return stub_->DeliverReferral(&context, request, response);
  }

  grpc::Status DeliverVerification(const pb::DeliverVerificationRequest& request,
                                   pb::DeliverReferralResponse* response) {
    grpc::ClientContext context;
    return stub_->DeliverVerification(&context, request, response);
  }

  common::testing::TempDir dir_;
  // In a subdirectory that does not exist yet: ReceivedLog::Open creates it.
  std::filesystem::path path_ = std::filesystem::path(dir_.path()) / "inbox" / "received.jsonl";
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::PartnerInbox::Stub> stub_;
};

TEST_F(PartnerInboxImplTest, DuplicateDeliveryIsWrittenOnce) {
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok()) << log.status();
  PartnerInboxImpl service(log->get(), nullptr);
  StartServer(&service);

  pb::DeliverReferralResponse first, second, other;
  ASSERT_TRUE(Deliver(Request("ref_1"), &first).ok());
  ASSERT_TRUE(Deliver(Request("ref_1"), &second).ok());
  ASSERT_TRUE(Deliver(Request("ref_2"), &other).ok());
  EXPECT_EQ(first.partner_reference(), "sim-ref_1");
  EXPECT_EQ(second.partner_reference(), "sim-ref_1");

  std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 2u);
  pb::DeliverReferralRequest parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[0], &parsed).ok());
  EXPECT_EQ(parsed.idempotency_key(), "ref_1");
  EXPECT_EQ(parsed.referral().respond_by(), "2026-12-03");
}

TEST_F(PartnerInboxImplTest, RestartRemembersReceivedKeys) {
  {
    auto log = ReceivedLog::Open(path_.string());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Request("ref_1")).value());
  }
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->size(), 1u);
  PartnerInboxImpl service(log->get(), nullptr);
  StartServer(&service);
  pb::DeliverReferralResponse response;
  ASSERT_TRUE(Deliver(Request("ref_1"), &response).ok());
  EXPECT_EQ(Lines(path_).size(), 1u);
}

TEST_F(PartnerInboxImplTest, RejectsDeliveryWithoutKey) {
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok());
  PartnerInboxImpl service(log->get(), nullptr);
  StartServer(&service);
  pb::DeliverReferralRequest request = Request("ref_1");
  request.clear_idempotency_key();
  pb::DeliverReferralResponse response;
  EXPECT_EQ(Deliver(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request = Request("ref_1");
  request.mutable_referral()->clear_department();
  EXPECT_EQ(Deliver(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Lines(path_).empty());
}

TEST_F(PartnerInboxImplTest, VerificationDeliveryIsWrittenOnce) {
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok()) << log.status();
  PartnerInboxImpl service(log->get(), nullptr);
  StartServer(&service);

  pb::DeliverReferralResponse first, second, other, referral;
  ASSERT_TRUE(DeliverVerification(VerificationRequest("ver_1"), &first).ok());
  ASSERT_TRUE(DeliverVerification(VerificationRequest("ver_1"), &second).ok());
  ASSERT_TRUE(DeliverVerification(VerificationRequest("ver_2"), &other).ok());
  ASSERT_TRUE(Deliver(Request("ref_1"), &referral).ok());
  EXPECT_EQ(first.partner_reference(), "sim-ver_1");
  EXPECT_EQ(second.partner_reference(), "sim-ver_1");
  EXPECT_EQ(other.partner_reference(), "sim-ver_2");
  EXPECT_EQ((*log)->size(), 3u);

  std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 3u);
  pb::DeliverVerificationRequest parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[0], &parsed).ok()) << lines[0];
  EXPECT_EQ(parsed.idempotency_key(), "ver_1");
  EXPECT_EQ(parsed.verification().clue_id(), "clue_1");
  EXPECT_EQ(parsed.verification().department(), "village_committee");
  EXPECT_EQ(parsed.verification().respond_by(), "2026-12-10");
  // The two kinds of line differ in their top-level object.
  EXPECT_THAT(lines[0], ::testing::HasSubstr("\"verification\":{"));
  EXPECT_THAT(lines[0], ::testing::Not(::testing::HasSubstr("\"referral\"")));
  EXPECT_THAT(lines[2], ::testing::HasSubstr("\"referral\":{"));
}

TEST_F(PartnerInboxImplTest, RejectsIncompleteVerifications) {
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok());
  PartnerInboxImpl service(log->get(), nullptr);
  StartServer(&service);
  pb::DeliverReferralResponse response;

  pb::DeliverVerificationRequest request = VerificationRequest("ver_1");
  request.clear_idempotency_key();
  EXPECT_EQ(DeliverVerification(request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request = VerificationRequest("ver_1");
  request.mutable_verification()->clear_verification_id();
  EXPECT_EQ(DeliverVerification(request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request = VerificationRequest("ver_1");
  request.mutable_verification()->clear_department();
  EXPECT_EQ(DeliverVerification(request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request = VerificationRequest("ver_1");
  request.clear_verification();
  EXPECT_EQ(DeliverVerification(request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Lines(path_).empty());
  EXPECT_EQ((*log)->size(), 0u);
}

TEST_F(PartnerInboxImplTest, ReopenedLogReadsBothKindsOfLine) {
  {
    auto log = ReceivedLog::Open(path_.string());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Request("ref_1")).value());
    ASSERT_TRUE((*log)->AppendVerification(VerificationRequest("ver_1")).value());
    EXPECT_EQ((*log)->AppendVerification(pb::DeliverVerificationRequest()).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->size(), 2u);
  EXPECT_FALSE((*log)->Append(Request("ref_1")).value());
  EXPECT_FALSE((*log)->AppendVerification(VerificationRequest("ver_1")).value());
  // One set of keys for both kinds.
  EXPECT_FALSE((*log)->AppendVerification(VerificationRequest("ref_1")).value());
  EXPECT_TRUE((*log)->AppendVerification(VerificationRequest("ver_2")).value());
  EXPECT_EQ(Lines(path_).size(), 3u);

  // The gRPC inbox answers both redeliveries from the reopened log without writing.
  PartnerInboxImpl service(log->get(), nullptr);
  StartServer(&service);
  pb::DeliverReferralResponse response;
  ASSERT_TRUE(DeliverVerification(VerificationRequest("ver_1"), &response).ok());
  ASSERT_TRUE(Deliver(Request("ref_1"), &response).ok());
  EXPECT_EQ(Lines(path_).size(), 3u);
}

TEST_F(PartnerInboxImplTest, ALineThatIsBothKindsOrNeitherIsDataLoss) {
  std::filesystem::create_directories(path_.parent_path());
  {
    std::ofstream out(path_);
    out << R"({"idempotencyKey":"x","referral":{"referralId":"x"},"verification":{"verificationId":"x"}})"
        << "\n";
  }
  EXPECT_EQ(ReceivedLog::Open(path_.string()).status().code(), absl::StatusCode::kDataLoss);
  {
    std::ofstream out(path_);
    out << "{not json\n";
  }
  EXPECT_EQ(ReceivedLog::Open(path_.string()).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(PartnerInboxImplTest, AutoAnswersNewVerificationsOnceWithRetry) {
  std::mutex mu;
  std::vector<std::pair<std::string, v1::AnswerVerificationRequest>> answers;
  std::vector<std::string> accepted;
  std::atomic<int> failures_left{2};
  AutoAcceptor acceptor(
      [&](const std::string& referral_id, const std::string& department) -> absl::Status {
        std::lock_guard<std::mutex> lock(mu);
        accepted.push_back(referral_id + "@" + department);
        return absl::OkStatus();
      },
      [&](const std::string& department,
          const v1::AnswerVerificationRequest& request) -> absl::Status {
        std::lock_guard<std::mutex> lock(mu);
        answers.emplace_back(department, request);
        if (failures_left.fetch_sub(1) > 0) return absl::UnavailableError("not yet");
        return absl::OkStatus();
      },
      {5, std::chrono::milliseconds(1), std::chrono::milliseconds(1)});
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok());
  PartnerInboxImpl service(log->get(), &acceptor);
  StartServer(&service);
  pb::DeliverReferralResponse response;
  ASSERT_TRUE(DeliverVerification(VerificationRequest("ver_1"), &response).ok());
  ASSERT_TRUE(DeliverVerification(VerificationRequest("ver_1"), &response).ok());
  ASSERT_TRUE(Deliver(Request("ref_1"), &response).ok());
  acceptor.WaitIdle();
  EXPECT_EQ(acceptor.done(), 2);
  EXPECT_EQ(acceptor.given_up(), 0);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(accepted, ::testing::ElementsAre("ref_1@legal_aid"));
  ASSERT_EQ(answers.size(), 3u);  // two transient failures, then answered
  for (const auto& [department, request] : answers) {
    EXPECT_EQ(department, "village_committee");
    ExpectAutoAnswerForVer1(request);
  }
}

TEST_F(PartnerInboxImplTest, AutoAcceptsNewDeliveriesOnceWithRetry) {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> calls;
  std::atomic<int> failures_left{2};
  AutoAcceptor acceptor(
      [&](const std::string& referral_id, const std::string& department) -> absl::Status {
        std::lock_guard<std::mutex> lock(mu);
        calls.emplace_back(referral_id, department);
        if (failures_left.fetch_sub(1) > 0) return absl::UnavailableError("not yet");
        return absl::OkStatus();
      },
      {5, std::chrono::milliseconds(1), std::chrono::milliseconds(1)});
  auto log = ReceivedLog::Open(path_.string());
  ASSERT_TRUE(log.ok());
  PartnerInboxImpl service(log->get(), &acceptor);
  StartServer(&service);
  pb::DeliverReferralResponse response;
  ASSERT_TRUE(Deliver(Request("ref_1"), &response).ok());
  ASSERT_TRUE(Deliver(Request("ref_1"), &response).ok());
  acceptor.WaitIdle();
  EXPECT_EQ(acceptor.accepted(), 1);
  EXPECT_EQ(acceptor.given_up(), 0);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(calls.size(), 3u);  // two transient failures, then accepted
  for (const auto& call : calls) {
    EXPECT_EQ(call.first, "ref_1");
    EXPECT_EQ(call.second, "legal_aid");
  }
}

TEST(AutoAcceptorTest, GivesUpOnPermanentErrorsAndTreatsFailedPreconditionAsDone) {
  std::atomic<int> calls{0};
  AutoAcceptor acceptor(
      [&](const std::string& referral_id, const std::string&) -> absl::Status {
        ++calls;
        if (referral_id == "gone") return absl::NotFoundError("no such referral");
        return absl::FailedPreconditionError("already accepted");
      },
      {5, std::chrono::milliseconds(1), std::chrono::milliseconds(1)});
  acceptor.Enqueue("gone", "legal_aid");
  acceptor.Enqueue("moved", "legal_aid");
  acceptor.WaitIdle();
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(acceptor.given_up(), 1);
  EXPECT_EQ(acceptor.accepted(), 1);
}

// By default a referral is retried for as long as referral-service stays down (here 40 failed
// attempts, far past the old limit of 5), the wait capped; stopping ends a retry at once.
TEST(AutoAcceptorTest, KeepsRetryingWhileReferralServiceIsDownThenAccepts) {
  std::atomic<int> failures_left{40};
  std::atomic<int> calls{0};
  AutoAcceptor::Options options;
  ASSERT_EQ(options.max_attempts, 0);  // the default: no limit
  options.initial_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(2);
  AutoAcceptor acceptor(
      [&](const std::string&, const std::string&) -> absl::Status {
        ++calls;
        if (failures_left.fetch_sub(1) > 0) return absl::UnavailableError("connection refused");
        return absl::OkStatus();
      },
      options);
  acceptor.Enqueue("ref_1", "legal_aid");
  acceptor.WaitIdle();
  EXPECT_EQ(acceptor.accepted(), 1);
  EXPECT_EQ(acceptor.given_up(), 0);
  EXPECT_EQ(calls.load(), 41);

  // Down for good: Stop() ends the retrying promptly.
  AutoAcceptor stuck(
      [](const std::string&, const std::string&) {
        return absl::UnavailableError("connection refused");
      },
      AutoAcceptor::Options{0, std::chrono::milliseconds(50), std::chrono::milliseconds(50)});
  stuck.Enqueue("ref_2", "legal_aid");
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const auto before = std::chrono::steady_clock::now();
  stuck.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  EXPECT_EQ(stuck.accepted(), 0);
}

TEST(AutoAcceptorTest, AnswerTreatsFailedPreconditionAsDoneAndGivesUpOnPermanentErrors) {
  std::mutex mu;
  std::vector<std::string> calls;
  AutoAcceptor acceptor([](const std::string&, const std::string&) { return absl::OkStatus(); },
                        [&](const std::string& department,
                            const v1::AnswerVerificationRequest& request) -> absl::Status {
                          std::lock_guard<std::mutex> lock(mu);
                          calls.push_back(request.verification_id() + "@" + department);
                          if (request.verification_id() == "ver_answered") {
                            return absl::FailedPreconditionError("answered already");
                          }
                          if (request.verification_id() == "ver_foreign") {
                            return absl::PermissionDeniedError("another department's");
                          }
                          return absl::OkStatus();
                        },
                        {5, std::chrono::milliseconds(1), std::chrono::milliseconds(1)});
  acceptor.EnqueueVerification("ver_answered", "village_committee");
  acceptor.EnqueueVerification("ver_foreign", "village_committee");
  acceptor.WaitIdle();
  EXPECT_EQ(acceptor.done(), 1);
  EXPECT_EQ(acceptor.given_up(), 1);
  std::lock_guard<std::mutex> lock(mu);
  // Neither is retried: one is done, the other cannot succeed.
  EXPECT_THAT(calls, ::testing::ElementsAre("ver_answered@village_committee",
                                            "ver_foreign@village_committee"));
}

TEST(AutoAcceptorTest, WithoutAnAnswerFunctionVerificationsAreGivenUp) {
  std::atomic<int> accepts{0};
  AutoAcceptor acceptor(
      [&](const std::string&, const std::string&) {
        ++accepts;
        return absl::OkStatus();
      },
      {5, std::chrono::milliseconds(1), std::chrono::milliseconds(1)});
  acceptor.EnqueueVerification("ver_1", "village_committee");
  acceptor.Enqueue("ref_1", "legal_aid");
  acceptor.WaitIdle();
  EXPECT_EQ(acceptor.given_up(), 1);
  EXPECT_EQ(acceptor.done(), 1);
  EXPECT_EQ(accepts.load(), 1);
}

TEST(AutoAcceptorTest, RunsAnyJobInOrderWithTheSameRetries) {
  std::mutex mu;
  std::vector<std::string> runs;
  AutoAcceptor acceptor([](const std::string&, const std::string&) { return absl::OkStatus(); },
                        {5, std::chrono::milliseconds(1), std::chrono::milliseconds(1)});
  int flaky_failures = 3;
  acceptor.EnqueueJob({"flaky", [&]() -> absl::Status {
                         std::lock_guard<std::mutex> lock(mu);
                         runs.push_back("flaky");
                         if (flaky_failures-- > 0) return absl::DeadlineExceededError("slow");
                         return absl::OkStatus();
                       }});
  acceptor.EnqueueJob({"hopeless", [&]() -> absl::Status {
                         std::lock_guard<std::mutex> lock(mu);
                         runs.push_back("hopeless");
                         return absl::UnavailableError("down");
                       }});
  acceptor.WaitIdle();
  EXPECT_EQ(acceptor.done(), 1);
  EXPECT_EQ(acceptor.given_up(), 1);  // after max_attempts
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(runs, ::testing::ElementsAre("flaky", "flaky", "flaky", "flaky", "hopeless",
                                           "hopeless", "hopeless", "hopeless", "hopeless"));
}

TEST(AutoAnswerRequestTest, ConfirmsWithTheVisitRecordOfEachVerification) {
  ExpectAutoAnswerForVer1(AutoAnswerRequest("ver_1"));
  EXPECT_EQ(AutoAnswerRequest("ver_2").attachments(0).sha256(),
            "0b11a91dd4a954b72caa9c24bc389adac4a735e0d59a1e243237557bdf293623");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace lifeline::partner_sim
