// Crash safety of ingest: a large generated agency file is imported straight to ingest-service
// (`lifeline import --ingest`), ingest is killed with SIGKILL while the import is in the middle
// of it, and restarted on the same port and data directory. The import rides out the restart on
// its retries; running the same command again stores nothing. Every record ingest acknowledged is
// stored once, and reaches match-service once: nothing is lost in the crash, nothing doubled by
// the resends that follow it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/testing/process.h"
#include "tests/e2e/ingest_checks.h"
#include "tests/e2e/suite.h"

namespace lifeline::e2e {
namespace {

using ::lifeline::common::testing::BinDir;
using ::lifeline::common::testing::ChildProcess;

constexpr auto kToolTimeout = std::chrono::seconds(120);
// Generous for ASan builds, where match-service applies a few hundred records a second.
constexpr auto kWaitTimeout = std::chrono::seconds(180);
constexpr auto kPollInterval = std::chrono::milliseconds(20);
// The re-run's wait for links: within kToolTimeout.
constexpr int kLinkedWaitSeconds = 100;
constexpr int kPersons = 20000;
// The generated agency file is copied (as other people's records, see WriteCopies) up to about
// this many records, so that the import takes several seconds.
constexpr int kTargetRecords = 16000;
constexpr int kBatchSize = 2000;
// Ingest is killed once it has stored this many of the import's batches.
constexpr size_t kKillAfterBatches = 3;

class IngestCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite);
    std::filesystem::create_directories(suite_->dir() + "/runs");
  }

  // The import's command line; it waits up to `wait_linked_s` for match-service to link.
  std::vector<std::string> ImportArgs(int wait_linked_s = 60) const {
    return {"import",
            "--ingest",
            suite_->Target("ingest-service"),
            "--agency",
            agency_,
            "--file",
            file_,
            "--batch-size",
            absl::StrCat(kBatchSize),
            "--progress",
            "off",
            "--wait-linked-s",
            absl::StrCat(wait_linked_s)};
  }

  std::string RunLog(const std::string& name) const {
    return absl::StrCat(suite_->dir(), "/runs/", name, ".log");
  }

  std::unique_ptr<Suite> suite_;
  std::string agency_;
  std::string file_;
};

TEST_F(IngestCrashTest, AcknowledgedRecordsAreStoredAndForwardedExactlyOnce) {
  const auto started = std::chrono::steady_clock::now();
  auto phase = [&](const std::string& what) {
    std::cout
        << absl::StrFormat(
               "%6.1f s  %s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
               what)
        << std::flush;
  };
  const std::string d = suite_->dir();
  auto generated = GenerateLargestAgency(d + "/datagen", kPersons, 5, RunLog("datagen"));
  ASSERT_TRUE(generated.ok()) << generated.status();
  agency_ = generated->first;
  const std::vector<RecordLine>& base = generated->second;
  const int copies = static_cast<int>((kTargetRecords + base.size() - 1) / base.size());
  file_ = absl::StrCat(d, "/", agency_, ".jsonl");
  ASSERT_TRUE(WriteCopies(base, copies, file_).ok());
  const int64_t lines = static_cast<int64_t>(base.size()) * copies;
  const int64_t batches = (lines + kBatchSize - 1) / kBatchSize;
  phase(absl::StrCat("generated: ", agency_, ", ", lines, " records in ", batches, " batches"));
  ASSERT_GT(batches, static_cast<int64_t>(kKillAfterBatches) + 2);

  // The import, in the background. Ingest is killed once its log says it stored
  // kKillAfterBatches batches and its received-records counter says the next stream is arriving.
  const std::string ingest_log = suite_->LogPath("ingest-service");
  auto first = ChildProcess::Start(BinDir() + "/lifeline", ImportArgs(), {}, RunLog("import-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  IngestLogBatches before_kill;
  double received = 0;
  auto streaming_after_stored = [&] {
    before_kill = ParseIngestLog(ReadFile(ingest_log));
    if (before_kill.stored.size() < kKillAfterBatches) return false;
    received = MetricSum(suite_->Metrics("ingest-service"),
                         "lifeline_ingest_stream_records_received_total");
    return received > static_cast<double>(before_kill.stored.size() * kBatchSize);
  };
  const auto kill_deadline = std::chrono::steady_clock::now() + kWaitTimeout;
  while (!streaming_after_stored() && first->running() &&
         std::chrono::steady_clock::now() < kill_deadline) {
    std::this_thread::sleep_for(kPollInterval);
  }
  ASSERT_GE(before_kill.stored.size(), kKillAfterBatches)
      << "ingest stored too few batches in time:\n"
      << ReadFile(RunLog("import-1"));
  ASSERT_GT(received, static_cast<double>(before_kill.stored.size() * kBatchSize))
      << "no stream in flight";
  ASSERT_TRUE(first->running()) << "the import ended before ingest was killed; it needs more "
                                   "records:\n"
                                << ReadFile(RunLog("import-1"));
  ASSERT_TRUE(suite_->Kill("ingest-service").ok());
  // What ingest had logged as stored when it died (it may have stored one more without logging).
  before_kill = ParseIngestLog(ReadFile(ingest_log));
  const size_t log_at_restart = ReadFile(ingest_log).size();
  phase(absl::StrCat("killed ingest after ", before_kill.stored.size(), " stored batches, ",
                     received, " records received"));
  ASSERT_LT(before_kill.stored.size(), static_cast<size_t>(batches));
  ASSERT_TRUE(suite_->Restart("ingest-service").ok());
  phase("ingest restarted");

  // The import survives the restart on its retries.
  absl::StatusOr<int> first_exit =
      first->Wait(std::chrono::duration_cast<std::chrono::milliseconds>(kWaitTimeout));
  ASSERT_TRUE(first_exit.ok()) << first_exit.status();
  const std::string first_output = ReadFile(RunLog("import-1"));
  ASSERT_EQ(*first_exit, 0) << first_output;
  auto first_totals = ParseImportSummary(first_output);
  ASSERT_TRUE(first_totals.has_value()) << first_output;
  phase("first import done");
  std::cout << first_output;
  EXPECT_EQ(first_totals->batches, batches);
  EXPECT_EQ(first_totals->sent, lines);
  EXPECT_GT(first_totals->accepted, 0);

  // No batch ingest had stored before it died was stored again after the restart.
  const IngestLogBatches after_restart = ParseIngestLog(ReadFile(ingest_log), log_at_restart);
  const std::set<std::string> stored_after(after_restart.stored.begin(),
                                           after_restart.stored.end());
  for (const std::string& id : before_kill.stored) {
    EXPECT_EQ(stored_after.count(id), 0u) << id << " was stored before the crash and again after";
  }
  // The batch whose stream was cut was answered after the restart: stored then, or, when ingest
  // had committed it just before dying, replayed.
  {
    const std::string& one = before_kill.stored.front();
    const std::string in_flight =
        absl::StrCat(one.substr(0, one.rfind('-')), "-", before_kill.stored.size() + 1);
    const bool replayed =
        std::count(after_restart.replayed.begin(), after_restart.replayed.end(), in_flight) > 0;
    EXPECT_TRUE(stored_after.count(in_flight) > 0 || replayed) << in_flight;
    phase(absl::StrCat("the batch in flight, ", in_flight, ", was ",
                       replayed ? "replayed" : "stored", " after the restart"));
  }
  {
    std::map<std::string, int> stored_times;
    for (const std::string& id : ParseIngestLog(ReadFile(ingest_log)).stored) ++stored_times[id];
    for (const auto& [id, times] : stored_times) EXPECT_EQ(times, 1) << id;
  }

  // The same command again stores nothing: every batch is answered from the store, and those
  // stored before the crash are reported as stored by an earlier run. It waits until every
  // record is linked (what the first import's wait did not see linked yet, on an ASan build)
  // and says so: GetBatch's count survives ingest's restart.
  const size_t log_before_rerun = ReadFile(ingest_log).size();
  const double batches_metric_before =
      MetricSum(suite_->Metrics("ingest-service"), "lifeline_ingest_batches_total");
  auto again =
      RunTool("lifeline", ImportArgs(kLinkedWaitSeconds), RunLog("import-2"), kToolTimeout);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->exit_code, 0) << again->output;
  phase("second import done");
  std::cout << again->output;
  auto again_totals = ParseImportSummary(again->output);
  ASSERT_TRUE(again_totals.has_value()) << again->output;
  EXPECT_EQ(again_totals->batches, batches);
  EXPECT_EQ(again_totals->accepted, first_totals->accepted);
  EXPECT_EQ(again_totals->rejected_by_ingest, first_totals->rejected_by_ingest);
  EXPECT_EQ(again_totals->unchanged, first_totals->unchanged);
  EXPECT_GE(again_totals->stored_before, static_cast<int64_t>(before_kill.stored.size()));
  EXPECT_EQ(again_totals->not_linked, 0) << again->output;
  const IngestLogBatches rerun = ParseIngestLog(ReadFile(ingest_log), log_before_rerun);
  EXPECT_TRUE(rerun.stored.empty()) << rerun.stored.size() << " batches stored by the re-run";
  EXPECT_EQ(static_cast<int64_t>(rerun.replayed.size()), batches);
  EXPECT_EQ(MetricSum(suite_->Metrics("ingest-service"), "lifeline_ingest_batches_total"),
            batches_metric_before);

  // Ingest's database: each batch once, each record that was not rejected once.
  auto rejected = RejectedLines(file_ + ".rejects.csv");
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(static_cast<int64_t>(rejected->size()), first_totals->rejected_by_ingest);
  std::set<std::string> kept_ids;
  for (int copy = 0; copy < copies; ++copy) {
    for (size_t i = 0; i < base.size(); ++i) {
      const int64_t line = static_cast<int64_t>(copy) * static_cast<int64_t>(base.size()) +
                           static_cast<int64_t>(i) + 1;
      if (rejected->count(line) > 0) continue;
      const std::string& id = base[i].record.source_record_id();
      kept_ids.insert(copy == 0 ? id : absl::StrCat(id, "-c", copy));
    }
  }
  const std::string db = IngestDb(*suite_);
  auto stored_batches = QueryInt(db, "SELECT COUNT(*) FROM batches");
  auto stored_records = QueryInt(db, "SELECT COUNT(*) FROM records");
  auto accepted_sum = QueryInt(db, "SELECT SUM(accepted_count) FROM batches");
  ASSERT_TRUE(stored_batches.ok()) << stored_batches.status();
  ASSERT_TRUE(stored_records.ok()) << stored_records.status();
  ASSERT_TRUE(accepted_sum.ok()) << accepted_sum.status();
  EXPECT_EQ(*stored_batches, batches);
  EXPECT_EQ(*stored_records, static_cast<int64_t>(kept_ids.size()));
  EXPECT_EQ(*accepted_sum, first_totals->accepted);

  // match-service: once the outbox is empty, it has applied every accepted record version once
  // (a resend after the crash is a no-op there) and links each stored record once.
  ASSERT_TRUE(WaitForIngestOutboxEmpty(*suite_, kWaitTimeout).ok());
  phase("ingest's outbox is empty");
  const double applied =
      MetricSum(suite_->Metrics("match-service"), "lifeline_match_records_applied_total");
  EXPECT_EQ(applied, static_cast<double>(first_totals->accepted + first_totals->retracted));
  auto links = ExportLinks(*suite_, d + "/links.csv", RunLog("export"));
  ASSERT_TRUE(links.ok()) << links.status();
  EXPECT_EQ(links->rows, *stored_records);
  EXPECT_EQ(links->records, *stored_records);

  phase("done");
}

}  // namespace
}  // namespace lifeline::e2e
