#include "ingest-service/clients/grpc_match_client.h"

#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "ingest-service/clients/fake_match_client.h"
#include "ingest-service/clients/match_sender.h"

namespace lifeline::ingest {
namespace {

// A MatchService that remembers UpsertRecords calls and can be told to fail.
class RecordingMatchService final : public match::v1::MatchService::Service {
 public:
  grpc::Status UpsertRecords(grpc::ServerContext* context,
                             const match::v1::UpsertRecordsRequest* request,
                             match::v1::UpsertRecordsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    had_deadline_ = context->deadline() != std::chrono::system_clock::time_point::max();
    if (fail_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "try later");
    requests_.push_back(*request);
    response->set_applied_count(request->records_size());
    return grpc::Status::OK;
  }

  std::mutex mu_;
  bool fail_ = false;
  bool had_deadline_ = false;
  std::vector<match::v1::UpsertRecordsRequest> requests_;
};

class GrpcMatchClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    client_ =
        std::make_unique<GrpcMatchClient>(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  static std::string Serialized(const std::string& srid) {
    records::v1::NormalizedRecord record;
    record.set_agency("court");
    record.set_source_record_id(srid);
    record.set_version(1);
    return record.SerializeAsString();
  }

  RecordingMatchService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcMatchClient> client_;
};

TEST_F(GrpcMatchClientTest, SendsAllRecordsInOneCallWithADeadline) {
  ASSERT_TRUE(client_->SendRecords({Serialized("a"), Serialized("b")}).ok());
  std::lock_guard<std::mutex> lock(service_.mu_);
  ASSERT_EQ(service_.requests_.size(), 1u);
  ASSERT_EQ(service_.requests_[0].records_size(), 2);
  EXPECT_EQ(service_.requests_[0].records(0).source_record_id(), "a");
  EXPECT_EQ(service_.requests_[0].records(1).source_record_id(), "b");
  EXPECT_TRUE(service_.had_deadline_);
}

TEST_F(GrpcMatchClientTest, ReportsTheServerError) {
  {
    std::lock_guard<std::mutex> lock(service_.mu_);
    service_.fail_ = true;
  }
  absl::Status status = client_->SendRecords({Serialized("a")});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(GrpcMatchClientTest, APayloadThatIsNotARecordFailsTheCall) {
  absl::Status status = client_->SendRecords({Serialized("a"), std::string("\xff\xff\xff", 3)});
  EXPECT_FALSE(status.ok());
  std::lock_guard<std::mutex> lock(service_.mu_);
  EXPECT_TRUE(service_.requests_.empty());
}

TEST(UpsertRecordsWireTest, IsTheRequestProtobufWouldWrite) {
  match::v1::UpsertRecordsRequest request;
  std::vector<std::string> serialized;
  for (int i = 0; i < 3; ++i) {
    records::v1::NormalizedRecord* record = request.add_records();
    record->set_agency("civil_affairs");
    // Lengths on both sides of a one-byte length varint.
    record->set_source_record_id(std::string(static_cast<size_t>(40 + 60 * i), 'x'));
    record->set_version(i + 1);
    serialized.push_back(record->SerializeAsString());
  }
  EXPECT_EQ(UpsertRecordsWire(serialized), request.SerializeAsString());
  match::v1::UpsertRecordsRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(UpsertRecordsWire(serialized)));
  ASSERT_EQ(parsed.records_size(), 3);
  EXPECT_EQ(parsed.records(2).version(), 3);
  EXPECT_EQ(UpsertRecordsWire({}), "");
}

TEST(MatchSenderTest, PassesPayloadsInOrderAndReturnsTheClientStatus) {
  FakeMatchClient fake;
  common::OutboxDispatcher::Sender sender = MakeMatchSender(&fake);
  std::vector<common::OutboxMessage> messages(2);
  messages[0].payload = "one";
  messages[1].payload = "two";
  ASSERT_TRUE(sender(messages).status.ok());
  EXPECT_EQ(fake.received(), (std::vector<std::string>{"one", "two"}));
  fake.FailWith(absl::DeadlineExceededError("slow"));
  EXPECT_EQ(sender(messages).status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(fake.received().size(), 2u);
  EXPECT_EQ(fake.calls(), 2);
}

}  // namespace
}  // namespace lifeline::ingest
