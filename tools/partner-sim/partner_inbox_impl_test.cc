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

}  // namespace
}  // namespace lifeline::partner_sim
