#include "tools/lifeline/grpc_batch_sender.h"

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "common/auth/caller.h"
#include "common/server/channel.h"
#include "common/testing/process.h"
#include "common/time/dates.h"
#include "tools/lifeline/import.h"

namespace lifeline::tools {
namespace {

using ::lifeline::ingest::v1::ListRejectionsRequest;
using ::lifeline::ingest::v1::ListRejectionsResponse;
using ::lifeline::ingest::v1::StreamRecordsRequest;
using ::lifeline::ingest::v1::SubmitBatchRequest;
using ::lifeline::ingest::v1::SubmitBatchResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One StreamRecords call as the fake ingest saw it.
struct SeenCall {
  std::vector<StreamRecordsRequest> messages;
  std::multimap<std::string, std::string> metadata;
  bool had_deadline = false;
};

// What the fake ingest remembers; it outlives the servers, so that a restarted server still has
// the batches the first one stored, as ingest's database would.
struct FakeIngestState {
  std::mutex mu;
  std::vector<SeenCall> calls;
  std::vector<ListRejectionsRequest> list_requests;
  // Answered instead of storing, when set.
  grpc::Status error = grpc::Status::OK;
  // Answered right after the first message, without reading the rest.
  grpc::Status error_after_first_message = grpc::Status::OK;
  // When positive, StreamRecords calls from this one on (counting from 1) fail with UNAVAILABLE.
  int fail_from_call = 0;
  // (agency, batch id) -> the first answer.
  std::map<std::pair<std::string, std::string>, SubmitBatchResponse> stored;
  int new_batches = 0;
  // GetBatch's match_queued_count for every batch; negative: not set (an older ingest).
  int queued_for_match = -1;
  std::vector<ingest::v1::GetBatchRequest> get_requests;
};

// An IngestService that accepts every record of a stream and answers a stored batch id with its
// first answer, like ingest does.
class FakeIngestService final : public ingest::v1::IngestService::Service {
 public:
  explicit FakeIngestService(FakeIngestState* state) : state_(state) {}

  grpc::Status StreamRecords(grpc::ServerContext* context,
                             grpc::ServerReader<StreamRecordsRequest>* reader,
                             SubmitBatchResponse* response) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    SeenCall& call = state_->calls.emplace_back();
    for (const auto& [key, value] : context->client_metadata()) {
      call.metadata.emplace(std::string(key.data(), key.size()),
                            std::string(value.data(), value.size()));
    }
    call.had_deadline = context->deadline() != std::chrono::system_clock::time_point::max();
    StreamRecordsRequest message;
    while (reader->Read(&message)) {
      call.messages.push_back(message);
      if (!state_->error_after_first_message.ok()) return state_->error_after_first_message;
    }
    if (!state_->error.ok()) return state_->error;
    if (state_->fail_from_call > 0 &&
        static_cast<int>(state_->calls.size()) >= state_->fail_from_call) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "ingest is going down");
    }
    if (call.messages.empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the stream carried no messages");
    }
    const auto key = std::make_pair(call.messages[0].agency(), call.messages[0].batch_id());
    if (auto it = state_->stored.find(key); it != state_->stored.end()) {
      *response = it->second;
      return grpc::Status::OK;
    }
    ingest::v1::Batch* batch = response->mutable_batch();
    batch->set_agency(key.first);
    batch->set_batch_id(key.second);
    batch->set_received_time("2999-01-01T00:00:00Z");
    int index = 0;
    for (const StreamRecordsRequest& m : call.messages) {
      for (const records::v1::Record& record : m.records()) {
        auto* outcome = response->add_outcomes();
        outcome->set_record_index(index++);
        outcome->set_source_record_id(record.source_record_id());
        outcome->set_result(ingest::v1::RECORD_RESULT_ACCEPTED);
      }
    }
    if (index == 0) {
      response->Clear();
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "records: the batch is empty");
    }
    batch->set_record_count(index);
    batch->set_accepted_count(index);
    state_->stored[key] = *response;
    ++state_->new_batches;
    return grpc::Status::OK;
  }

  grpc::Status ListRejections(grpc::ServerContext* /*context*/,
                              const ListRejectionsRequest* request,
                              ListRejectionsResponse* response) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->list_requests.push_back(*request);
    if (!state_->error.ok()) return state_->error;
    auto* issue = response->add_issues();
    issue->set_record_index(3);
    issue->set_reason("NAME_MISSING");
    response->set_next_page_token("42");
    return grpc::Status::OK;
  }

  grpc::Status GetBatch(grpc::ServerContext* /*context*/,
                        const ingest::v1::GetBatchRequest* request,
                        ingest::v1::Batch* response) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->get_requests.push_back(*request);
    auto it = state_->stored.find(std::make_pair(request->agency(), request->batch_id()));
    if (it == state_->stored.end()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no batch");
    *response = it->second.batch();
    if (state_->queued_for_match >= 0) response->set_match_queued_count(state_->queued_for_match);
    return grpc::Status::OK;
  }

 private:
  FakeIngestState* state_;
};

// A fake ingest on a loopback TCP port that can be stopped and started again on the same port.
class FakeIngestServer {
 public:
  explicit FakeIngestServer(FakeIngestState* state) : service_(state) {}
  ~FakeIngestServer() { Stop(); }

  // Starts listening on `port` (0 picks one); returns the bound port, 0 on failure.
  int Start(int port) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    return server_ == nullptr ? 0 : port_;
  }
  void Stop() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
    server_.reset();
  }
  grpc::Server* server() { return server_.get(); }

 private:
  FakeIngestService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

SubmitBatchRequest Batch(int records, const std::string& batch_id = "b-1") {
  SubmitBatchRequest request;
  request.set_agency("civil_affairs");
  request.set_batch_id(batch_id);
  for (int i = 0; i < records; ++i) {
    records::v1::Record* record = request.add_records();
    record->set_source_record_id(absl::StrCat("r-", i));
    record->mutable_person()->set_name(absl::StrCat("name ", i));
  }
  return request;
}

class GrpcBatchSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(server_.Start(0), 0);
    sender_ = std::make_unique<GrpcBatchSender>(common::InProcessChannel(*server_.server()));
  }

  std::vector<SeenCall> Calls() {
    std::lock_guard<std::mutex> lock(state_.mu);
    return state_.calls;
  }
  void FailWith(grpc::Status status) {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.error = std::move(status);
  }

  FakeIngestState state_;
  FakeIngestServer server_{&state_};
  std::unique_ptr<GrpcBatchSender> sender_;
};

TEST_F(GrpcBatchSenderTest, StreamsABatchInMessagesOfAtMostAThousandRecords) {
  absl::StatusOr<SubmitBatchResponse> response = sender_->SubmitBatch(Batch(2500));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->batch().batch_id(), "b-1");
  EXPECT_EQ(response->batch().record_count(), 2500);
  ASSERT_EQ(response->outcomes_size(), 2500);

  std::vector<SeenCall> calls = Calls();
  ASSERT_EQ(calls.size(), 1u);
  std::vector<int> sizes;
  std::vector<std::string> ids;
  for (const StreamRecordsRequest& m : calls[0].messages) {
    sizes.push_back(m.records_size());
    for (const auto& r : m.records()) ids.push_back(r.source_record_id());
  }
  EXPECT_THAT(sizes, ElementsAre(1000, 1000, 500));
  EXPECT_EQ(calls[0].messages[0].agency(), "civil_affairs");
  EXPECT_EQ(calls[0].messages[0].batch_id(), "b-1");
  // Only the first message names the batch.
  EXPECT_EQ(calls[0].messages[1].agency(), "");
  EXPECT_EQ(calls[0].messages[2].batch_id(), "");
  ASSERT_EQ(ids.size(), 2500u);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], absl::StrCat("r-", i));
}

TEST_F(GrpcBatchSenderTest, ASmallBatchIsOneMessage) {
  ASSERT_TRUE(sender_->SubmitBatch(Batch(1, "one")).ok());
  ASSERT_TRUE(sender_->SubmitBatch(Batch(1000, "thousand")).ok());
  std::vector<SeenCall> calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_EQ(calls[0].messages.size(), 1u);
  EXPECT_EQ(calls[0].messages[0].records_size(), 1);
  EXPECT_EQ(calls[0].messages[0].batch_id(), "one");
  ASSERT_EQ(calls[1].messages.size(), 1u);
  EXPECT_EQ(calls[1].messages[0].records_size(), 1000);
}

TEST_F(GrpcBatchSenderTest, AnEmptyBatchStillNamesItselfSoIngestCanAnswer) {
  absl::StatusOr<SubmitBatchResponse> response = sender_->SubmitBatch(Batch(0));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << response.status();
  EXPECT_EQ(response.status().message(), "records: the batch is empty");
  std::vector<SeenCall> calls = Calls();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(calls[0].messages.size(), 1u);
  EXPECT_EQ(calls[0].messages[0].batch_id(), "b-1");
}

// The operator's tool calls as itself (an internal caller: a user, no role) and never forwards a
// bearer token.
TEST_F(GrpcBatchSenderTest, CallsAsAnInternalCallerWithADeadline) {
  ASSERT_TRUE(sender_->SubmitBatch(Batch(3)).ok());
  std::vector<SeenCall> calls = Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].had_deadline);
  bool has_user = false;
  for (const auto& [key, value] : calls[0].metadata) {
    has_user = has_user || key == common::kCallerUserHeader;
    EXPECT_NE(key, common::kCallerRoleHeader) << value;
    EXPECT_NE(key, common::kCallerScopeHeader) << value;
    EXPECT_NE(key, "authorization");
  }
  EXPECT_TRUE(has_user);
}

// With caller tokens installed, the calls carry a token that verifies as an internal caller.
TEST_F(GrpcBatchSenderTest, SignsItsCallsWhenCallerTokensAreInstalled) {
  common::JwtKey key;
  key.id = "k";
  key.secret = std::string(32, 's');
  auto tokens = common::CallerTokens::FromKeys({key});
  common::InstallCallerTokens(tokens, "lifeline-cli");
  const bool sent = sender_->SubmitBatch(Batch(3)).ok();
  common::InstallCallerTokens(nullptr, "lifeline");
  ASSERT_TRUE(sent);
  std::vector<SeenCall> calls = Calls();
  ASSERT_EQ(calls.size(), 1u);
  std::string token;
  for (const auto& [name, value] : calls[0].metadata) {
    EXPECT_FALSE(absl::StartsWith(name, "x-lifeline-") && name != common::kCallerTokenHeader)
        << name;
    if (name == common::kCallerTokenHeader) token = value;
  }
  auto caller = tokens->Verify(token, absl::Now());
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_TRUE(caller->internal());
  EXPECT_EQ(caller->user, "lifeline-cli");
}

TEST_F(GrpcBatchSenderTest, IngestErrorsKeepTheirCodeAndMessage) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::UNAVAILABLE,
        grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::INVALID_ARGUMENT,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::FAILED_PRECONDITION,
        grpc::StatusCode::INTERNAL}) {
    FailWith(grpc::Status(code, "ingest says no"));
    absl::StatusOr<SubmitBatchResponse> submitted = sender_->SubmitBatch(Batch(1500));
    EXPECT_EQ(static_cast<int>(submitted.status().code()), static_cast<int>(code))
        << submitted.status();
    EXPECT_EQ(submitted.status().message(), "ingest says no");
    absl::StatusOr<ListRejectionsResponse> listed = sender_->ListRejections({});
    EXPECT_EQ(static_cast<int>(listed.status().code()), static_cast<int>(code)) << listed.status();
  }
}

TEST_F(GrpcBatchSenderTest, AnAnswerBeforeTheLastMessageEndsTheCall) {
  {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.error_after_first_message =
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown agency 'civil_affairs'");
  }
  absl::StatusOr<SubmitBatchResponse> submitted = sender_->SubmitBatch(Batch(20000));
  EXPECT_EQ(submitted.status().code(), absl::StatusCode::kInvalidArgument) << submitted.status();
  EXPECT_THAT(submitted.status().message(), HasSubstr("unknown agency"));
}

TEST_F(GrpcBatchSenderTest, ListRejectionsPassesTheRequestAndTheAnswer) {
  ListRejectionsRequest request;
  request.set_agency("court");
  request.set_batch_id("b-7");
  request.set_page_size(1000);
  request.set_page_token("17");
  absl::StatusOr<ListRejectionsResponse> response = sender_->ListRejections(request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->issues_size(), 1);
  EXPECT_EQ(response->issues(0).reason(), "NAME_MISSING");
  EXPECT_EQ(response->next_page_token(), "42");
  std::lock_guard<std::mutex> lock(state_.mu);
  ASSERT_EQ(state_.list_requests.size(), 1u);
  EXPECT_EQ(state_.list_requests[0].SerializeAsString(), request.SerializeAsString());
}

// GetBatch's count arrives with its presence: 0 ("all linked") is told from "not reported".
TEST_F(GrpcBatchSenderTest, GetBatchKeepsThePresenceOfTheQueuedCount) {
  ASSERT_TRUE(sender_->SubmitBatch(Batch(3)).ok());
  ingest::v1::GetBatchRequest get;
  get.set_agency("civil_affairs");
  get.set_batch_id("b-1");
  absl::StatusOr<ingest::v1::Batch> batch = sender_->GetBatch(get);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->accepted_count(), 3);
  EXPECT_FALSE(batch->has_match_queued_count());
  {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.queued_for_match = 0;
  }
  batch = sender_->GetBatch(get);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_TRUE(batch->has_match_queued_count());
  EXPECT_EQ(batch->match_queued_count(), 0);
  get.set_batch_id("b-2");
  EXPECT_EQ(sender_->GetBatch(get).status().code(), absl::StatusCode::kNotFound);
}

TEST(GrpcBatchSenderNetworkTest, UnreachableIngestIsUnavailable) {
  // Port 1 on loopback is not listening in the test environment.
  GrpcBatchSender sender(MakeIngestChannel("127.0.0.1:1"));
  EXPECT_EQ(sender.SubmitBatch(Batch(2)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sender.ListRejections({}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sender.GetBatch({}).status().code(), absl::StatusCode::kUnavailable);
}

// The importer over GrpcBatchSender against a fake ingest on a TCP port.
class DirectImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = server_.Start(0);
    ASSERT_NE(port_, 0);
    channel_ = MakeIngestChannel(absl::StrCat("127.0.0.1:", port_));
    sender_ = std::make_unique<GrpcBatchSender>(channel_);
    options_.agency = "civil_affairs";
    options_.max_batch_size = kMaxStreamBatchSize;
    options_.sleep = [this](std::chrono::milliseconds) {
      ++sleeps_;
      if (on_sleep_) on_sleep_();
    };
  }

  // Writes `n` Record JSON lines (ids r-1..r-n) and returns the path.
  std::string WriteRecords(int n) {
    const std::string path = dir_.path() + "/records.jsonl";
    std::ofstream out(path, std::ios::binary);
    for (int i = 1; i <= n; ++i) {
      out << "{\"sourceRecordId\":\"r-" << i << "\",\"person\":{\"name\":\"n" << i << "\"}}\n";
    }
    return path;
  }

  absl::StatusOr<ImportSummary> Import(const std::string& file) {
    ImportOptions options = options_;
    options.file = file;
    return Importer(sender_.get(), options).Run();
  }

  // Waits (at most 10 s) until the channel is connected again.
  bool Reconnected() {
    return channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  common::testing::TempDir dir_;
  FakeIngestState state_;
  FakeIngestServer server_{&state_};
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<GrpcBatchSender> sender_;
  ImportOptions options_;
  int sleeps_ = 0;
  std::function<void()> on_sleep_;
};

TEST_F(DirectImportTest, BatchesAboveTheGatewayLimitGoAsOneStreamEach) {
  options_.batch_size = 12000;
  absl::StatusOr<ImportSummary> summary = Import(WriteRecords(12500));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->batches, 2);
  EXPECT_EQ(summary->sent, 12500);
  EXPECT_EQ(summary->accepted, 12500);
  std::lock_guard<std::mutex> lock(state_.mu);
  ASSERT_EQ(state_.calls.size(), 2u);
  EXPECT_EQ(state_.calls[0].messages.size(), 12u);
  EXPECT_EQ(state_.calls[0].messages[0].batch_id(), summary->batch_prefix + "-1");
  ASSERT_EQ(state_.calls[1].messages.size(), 1u);
  EXPECT_EQ(state_.calls[1].messages[0].batch_id(), summary->batch_prefix + "-2");
  EXPECT_EQ(state_.calls[1].messages[0].records_size(), 500);
  for (const SeenCall& call : state_.calls) {
    for (const StreamRecordsRequest& m : call.messages) EXPECT_LE(m.records_size(), 1000);
  }
}

TEST_F(DirectImportTest, TheGatewayLimitStillHoldsUnlessRaised) {
  options_.batch_size = 12000;
  options_.max_batch_size = kMaxGatewayBatchSize;
  absl::StatusOr<ImportSummary> summary = Import(WriteRecords(10));
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(summary.status().message(), HasSubstr("10000"));
  options_.batch_size = kMaxStreamBatchSize + 1;
  options_.max_batch_size = kMaxStreamBatchSize;
  EXPECT_EQ(Import(WriteRecords(10)).status().code(), absl::StatusCode::kInvalidArgument);
}

// With --ingest the importer waits for links through GetBatch like through the gateway: here
// ingest says every batch has a record queued until the third poll, then none.
TEST_F(DirectImportTest, WaitsUntilIngestSaysEveryRecordIsLinked) {
  options_.batch_size = 2;
  options_.wait_linked = std::chrono::seconds(60);
  common::FakeClock clock(absl::FromUnixSeconds(1800000000));
  options_.clock = &clock;
  {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.queued_for_match = 1;
  }
  on_sleep_ = [this, &clock] {
    clock.Advance(absl::Milliseconds(500));
    std::lock_guard<std::mutex> lock(state_.mu);
    if (sleeps_ == 2) state_.queued_for_match = 0;
  };
  absl::StatusOr<ImportSummary> summary = Import(WriteRecords(4));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->link_wait, LinkWait::kAllLinked);
  EXPECT_EQ(summary->not_linked, 0);
  EXPECT_EQ(summary->link_wait_seconds, 1.0);
  std::lock_guard<std::mutex> lock(state_.mu);
  ASSERT_FALSE(state_.get_requests.empty());
  EXPECT_EQ(state_.get_requests[0].agency(), "civil_affairs");
  EXPECT_EQ(state_.get_requests[0].batch_id(), summary->batch_prefix + "-1");
}

TEST_F(DirectImportTest, ResourceExhaustedIsRetried) {
  options_.batch_size = 2;
  {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.error = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "match-service is behind");
  }
  on_sleep_ = [this] {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.error = grpc::Status::OK;
  };
  absl::StatusOr<ImportSummary> summary = Import(WriteRecords(4));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(sleeps_, 1);
  EXPECT_EQ(summary->accepted, 4);
  std::lock_guard<std::mutex> lock(state_.mu);
  EXPECT_EQ(state_.new_batches, 2);
}

TEST_F(DirectImportTest, SurvivesIngestRestartingOnTheSamePort) {
  options_.batch_size = 2;
  const std::string file = WriteRecords(6);
  // A first import stores everything, so the channel has a live connection to this server.
  ASSERT_TRUE(Import(file).ok());
  // Ingest goes away: the next import's first attempt finds nothing listening, and ingest comes
  // back (on the same port, with its batches) while the importer waits to retry.
  server_.Stop();
  on_sleep_ = [this] {
    if (server_.server() != nullptr) return;
    ASSERT_EQ(server_.Start(port_), port_);
    ASSERT_TRUE(Reconnected());
  };
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_GE(sleeps_, 1);
  EXPECT_EQ(summary->batches, 3);
  std::lock_guard<std::mutex> lock(state_.mu);
  EXPECT_EQ(state_.new_batches, 3) << "a replayed batch was stored again";
}

TEST_F(DirectImportTest, FailsCleanlyWhileIngestStaysDownAndTheSameCommandResumes) {
  options_.batch_size = 2;
  options_.max_attempts = 3;
  const std::string file = WriteRecords(6);
  // Ingest stores the first batch and goes down while the second one is sent.
  {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.fail_from_call = 2;
  }
  on_sleep_ = [this] { server_.Stop(); };
  absl::StatusOr<ImportSummary> failed = Import(file);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  EXPECT_EQ(sleeps_, 2);
  EXPECT_THAT(failed.status().message(), HasSubstr("-2: "));
  EXPECT_THAT(failed.status().message(), HasSubstr("batches 1 to 1 are stored"));

  {
    std::lock_guard<std::mutex> lock(state_.mu);
    state_.fail_from_call = 0;
    EXPECT_EQ(state_.new_batches, 1);
  }
  on_sleep_ = nullptr;
  ASSERT_EQ(server_.Start(port_), port_);
  ASSERT_TRUE(Reconnected());
  absl::StatusOr<ImportSummary> resumed = Import(file);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->batches, 3);
  EXPECT_EQ(resumed->accepted, 6);
  std::lock_guard<std::mutex> lock(state_.mu);
  EXPECT_EQ(state_.new_batches, 3) << "the batch stored before ingest went down was stored again";
}

}  // namespace
}  // namespace lifeline::tools
