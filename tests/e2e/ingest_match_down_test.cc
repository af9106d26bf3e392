// Match down: with match-service killed, ingest keeps accepting batches until its outbox holds
// more than max_outbox_pending records, then refuses new ones with RESOURCE_EXHAUSTED (HTTP 429
// through the gateway) and stores nothing of them; an import waiting on its retries carries on.
// Once match-service is back (same port, same data directory), the outbox drains and match has
// applied every accepted record exactly once; the refused batches are accepted when sent again.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "common/auth/caller.h"
#include "common/server/channel.h"
#include "common/testing/process.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "tests/e2e/ingest_checks.h"
#include "tests/e2e/suite.h"

namespace lifeline::e2e {
namespace {

using ::lifeline::common::testing::BinDir;
using ::lifeline::common::testing::ChildProcess;
using ::lifeline::ingest::v1::SubmitBatchRequest;
using ::lifeline::ingest::v1::SubmitBatchResponse;
using ::testing::HasSubstr;

constexpr auto kToolTimeout = std::chrono::seconds(120);
constexpr auto kWaitTimeout = std::chrono::seconds(120);
constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr int kMaxOutboxPending = 500;
constexpr int kPersons = 20000;
// Sent straight to ingest with SubmitBatch: 5 batches of 200 records, more than the bound.
constexpr int kDirectBatches = 5;
constexpr int kDirectBatchSize = 200;
constexpr int kImportBatchSize = 100;

class IngestMatchDownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SuiteOptions options;
    options.extra_args["ingest-service"] = {
        absl::StrCat("--max_outbox_pending=", kMaxOutboxPending)};
    auto suite = Suite::Start(options);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite);
    std::filesystem::create_directories(suite_->dir() + "/runs");
    stub_ = ingest::v1::IngestService::NewStub(
        common::MakeClientChannel(suite_->Target("ingest-service")));
  }

  std::string RunLog(const std::string& name) const {
    return absl::StrCat(suite_->dir(), "/runs/", name, ".log");
  }

  // Direct batch `n` (1-based): records [(n-1)·200, n·200) of the generated ones.
  SubmitBatchRequest DirectBatch(int n) const {
    SubmitBatchRequest request;
    request.set_agency(agency_);
    request.set_batch_id(absl::StrCat("direct-", n));
    for (int i = (n - 1) * kDirectBatchSize; i < n * kDirectBatchSize; ++i) {
      *request.add_records() = records_[static_cast<size_t>(i)].record;
    }
    return request;
  }

  // Sends a batch straight to ingest (no caller metadata: an internal call).
  grpc::Status Submit(const SubmitBatchRequest& request, SubmitBatchResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    EXPECT_TRUE(common::AttachCaller(common::InternalCaller(), &context).ok());
    return stub_->SubmitBatch(&context, request, response);
  }

  double IngestGauge() {
    return MetricSum(suite_->Metrics("ingest-service"), "lifeline_ingest_outbox_pending");
  }

  int64_t OutboxRows() {
    auto rows = QueryInt(IngestDb(*suite_), "SELECT COUNT(*) FROM outbox");
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : -1;
  }

  std::unique_ptr<Suite> suite_;
  std::unique_ptr<ingest::v1::IngestService::Stub> stub_;
  std::string agency_;
  std::vector<RecordLine> records_;
};

TEST_F(IngestMatchDownTest, IngestAcceptsToItsBoundAndForwardsEverythingOnceMatchReturns) {
  const auto started = std::chrono::steady_clock::now();
  const std::string d = suite_->dir();
  auto generated = GenerateLargestAgency(d + "/datagen", kPersons, 7, RunLog("datagen"));
  ASSERT_TRUE(generated.ok()) << generated.status();
  agency_ = generated->first;
  records_ = std::move(generated->second);
  ASSERT_GE(records_.size(), static_cast<size_t>(kDirectBatches * kDirectBatchSize));

  ASSERT_TRUE(suite_->Kill("match-service").ok());

  // Straight to ingest: accepted while the outbox holds at most the bound, then refused.
  // Records ingest took in and queued for match: accepted ones and retractions.
  int64_t queued = 0;
  int64_t last_queued = 0;
  int refused = 0;
  grpc::Status refusal;
  for (int n = 1; n <= kDirectBatches; ++n) {
    SubmitBatchResponse response;
    grpc::Status status = Submit(DirectBatch(n), &response);
    if (!status.ok()) {
      refused = n;
      refusal = status;
      break;
    }
    last_queued = response.batch().accepted_count() + response.batch().retracted_count();
    queued += last_queued;
    // Nothing leaves the outbox while match is down.
    EXPECT_EQ(IngestGauge(), static_cast<double>(queued)) << "after batch " << n;
    EXPECT_EQ(OutboxRows(), queued) << "after batch " << n;
  }
  ASSERT_GT(refused, 0) << "ingest accepted " << queued << " records with match-service down";
  EXPECT_EQ(refusal.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refusal.error_message();
  EXPECT_THAT(refusal.error_message(),
              HasSubstr(absl::StrCat("max_outbox_pending ", kMaxOutboxPending)));
  EXPECT_THAT(refusal.error_message(), HasSubstr(absl::StrCat(queued, " records wait")));
  // Refused only once the outbox went past the bound, and not before.
  EXPECT_GT(queued, kMaxOutboxPending);
  EXPECT_LE(queued - last_queued, kMaxOutboxPending);
  std::cout << "queued " << queued << " records in " << refused - 1
            << " batches, then refused batch " << refused << ": " << refusal.error_message()
            << "\n";
  // Nothing of the refused batch is stored: it can be sent again.
  {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(common::InternalCaller(), &context).ok());
    ingest::v1::GetBatchRequest request;
    request.set_agency(agency_);
    request.set_batch_id(absl::StrCat("direct-", refused));
    ingest::v1::Batch batch;
    EXPECT_EQ(stub_->GetBatch(&context, request, &batch).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  // Through the gateway the same refusal is HTTP 429.
  {
    std::string body;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(DirectBatch(refused), &body).ok());
    common::HttpResponse response = suite_->Http(
        "POST", absl::StrCat("/v1/agencies/", agency_, "/batches"), AgencyToken(agency_), body);
    EXPECT_EQ(response.status, 429) << response.body;
    EXPECT_THAT(response.body, HasSubstr("max_outbox_pending"));
  }
  EXPECT_EQ(OutboxRows(), queued);

  // An import started now is refused too, and keeps retrying rather than failing.
  const std::string file = absl::StrCat(d, "/", agency_, "-more.jsonl");
  ASSERT_TRUE(WriteCopies(records_, 1, file, /*first_copy=*/1).ok());
  auto import = ChildProcess::Start(
      BinDir() + "/lifeline",
      {"import", "--ingest", suite_->Target("ingest-service"), "--agency", agency_, "--file", file,
       "--batch-size", absl::StrCat(kImportBatchSize), "--progress", "off"},
      {}, RunLog("import"));
  ASSERT_TRUE(import.ok()) << import.status();
  auto refused_streams = [&] {
    return MetricSum(suite_->Metrics("ingest-service"), "grpc_server_handled_total",
                     {"grpc_method=\"StreamRecords\"", "grpc_code=\"RESOURCE_EXHAUSTED\""});
  };
  const auto refused_deadline = std::chrono::steady_clock::now() + kWaitTimeout;
  while (refused_streams() < 1 && import->running() &&
         std::chrono::steady_clock::now() < refused_deadline) {
    std::this_thread::sleep_for(kPollInterval);
  }
  ASSERT_GE(refused_streams(), 1) << ReadFile(RunLog("import"));
  ASSERT_TRUE(import->running()) << "the import gave up instead of retrying:\n"
                                 << ReadFile(RunLog("import"));
  auto stored_batches = QueryInt(IngestDb(*suite_), "SELECT COUNT(*) FROM batches");
  ASSERT_TRUE(stored_batches.ok()) << stored_batches.status();
  EXPECT_EQ(*stored_batches, refused - 1);

  // match-service comes back on its port with its data: the outbox drains and the import, on
  // its retries, gets through.
  ASSERT_TRUE(suite_->Restart("match-service").ok());
  absl::StatusOr<int> import_exit =
      import->Wait(std::chrono::duration_cast<std::chrono::milliseconds>(kWaitTimeout));
  ASSERT_TRUE(import_exit.ok()) << import_exit.status();
  const std::string import_output = ReadFile(RunLog("import"));
  ASSERT_EQ(*import_exit, 0) << import_output;
  std::cout << import_output;
  auto totals = ParseImportSummary(import_output);
  ASSERT_TRUE(totals.has_value()) << import_output;
  EXPECT_EQ(totals->sent, static_cast<int64_t>(records_.size()));
  EXPECT_EQ(totals->batches,
            static_cast<int64_t>((records_.size() + kImportBatchSize - 1) / kImportBatchSize));
  queued += totals->accepted + totals->retracted;
  ASSERT_TRUE(WaitForIngestOutboxEmpty(*suite_, kWaitTimeout).ok());

  // The refused direct batches, sent again, are stored now (not replayed: they never were).
  for (int n = refused; n <= kDirectBatches; ++n) {
    SubmitBatchResponse response;
    grpc::Status status = Submit(DirectBatch(n), &response);
    ASSERT_TRUE(status.ok()) << "batch " << n << ": " << status.error_message();
    queued += response.batch().accepted_count() + response.batch().retracted_count();
  }
  ASSERT_TRUE(WaitForIngestOutboxEmpty(*suite_, kWaitTimeout).ok());
  const IngestLogBatches log = ParseIngestLog(ReadFile(suite_->LogPath("ingest-service")));
  EXPECT_TRUE(log.replayed.empty()) << log.replayed.size() << " batches replayed";
  const std::set<std::string> stored(log.stored.begin(), log.stored.end());
  EXPECT_EQ(stored.size(), log.stored.size()) << "a batch was stored twice";
  for (int n = 1; n <= kDirectBatches; ++n) {
    EXPECT_EQ(stored.count(absl::StrCat("direct-", n)), 1u) << "direct-" << n;
  }

  // Every accepted record was stored once and applied by match once: match was down before the
  // first of them, so its (restarted) counter saw them all.
  auto queued_sum =
      QueryInt(IngestDb(*suite_), "SELECT SUM(accepted_count + retracted_count) FROM batches");
  auto stored_records = QueryInt(IngestDb(*suite_), "SELECT COUNT(*) FROM records");
  ASSERT_TRUE(queued_sum.ok()) << queued_sum.status();
  ASSERT_TRUE(stored_records.ok()) << stored_records.status();
  EXPECT_EQ(*queued_sum, queued);
  EXPECT_EQ(MetricSum(suite_->Metrics("match-service"), "lifeline_match_records_applied_total"),
            static_cast<double>(queued));
  auto links = ExportLinks(*suite_, d + "/links.csv", RunLog("export"));
  ASSERT_TRUE(links.ok()) << links.status();
  EXPECT_EQ(links->rows, *stored_records);
  EXPECT_EQ(links->records, *stored_records);

  PrintElapsed("match down flow", started);
}

}  // namespace
}  // namespace lifeline::e2e
