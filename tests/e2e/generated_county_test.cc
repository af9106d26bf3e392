// The generated-data flow end to end, as an operator would run it: lifeline-datagen writes a
// synthetic county with its truth, every agency submits its JSON Lines through the gateway with
// the lifeline CLI, match-service links and scores, the CLI exports links and clues, and the eval
// library scores them against the truth. It holds linkage above a floor (precision and recall of
// record pairs against the truth, and well above an exact ID join) and the clue rule to what it
// guarantees: a serious harm and hardship.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "tests/e2e/ingest_checks.h"
#include "tests/e2e/suite.h"
#include "tools/eval/baselines.h"
#include "tools/eval/clue_metrics.h"
#include "tools/eval/link_metrics.h"
#include "tools/eval/report.h"
#include "tools/eval/truth.h"

namespace lifeline::e2e {
namespace {

constexpr auto kToolTimeout = std::chrono::seconds(120);
constexpr auto kSettleTimeout = std::chrono::seconds(120);
constexpr int kPersons = 5000;
// Small enough that every agency with more than 100 records sends several batches.
constexpr int kBatchSize = 100;

// The totals line `lifeline submit` prints for a JSON Lines file:
// "<agency>: B batches, R records, A accepted, W with warnings, X rejected, U unchanged".
struct SubmitSummary {
  int64_t batches = 0;
  int64_t records = 0;
  int64_t accepted = 0;
  int64_t warnings = 0;
  int64_t rejected = 0;
  int64_t unchanged = 0;
  std::string line;
};

// Finds and parses `agency`'s totals line in `output`; nullopt when there is none.
std::optional<SubmitSummary> ParseSubmitSummary(const std::string& output,
                                                const std::string& agency) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!absl::StartsWith(line, agency + ": ")) continue;
    SubmitSummary s;
    s.line = std::string(line);
    long long b = 0, r = 0, a = 0, w = 0, x = 0, u = 0;
    if (std::sscanf(s.line.c_str() + agency.size() + 2,
                    "%lld batches, %lld records, %lld accepted, %lld with warnings, %lld "
                    "rejected, %lld unchanged",
                    &b, &r, &a, &w, &x, &u) != 6) {
      return std::nullopt;
    }
    s.batches = b;
    s.records = r;
    s.accepted = a;
    s.warnings = w;
    s.rejected = x;
    s.unchanged = u;
    return s;
  }
  return std::nullopt;
}

// Counts the lines of `path` that hold more than white space (the records lifeline submits).
int64_t NonEmptyLines(const std::string& path) {
  int64_t n = 0;
  for (absl::string_view line : absl::StrSplit(ReadFile(path), '\n')) {
    if (!absl::StripAsciiWhitespace(line).empty()) ++n;
  }
  return n;
}

class GeneratedCountyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite);
    std::filesystem::create_directories(suite_->dir() + "/runs");
    std::filesystem::create_directories(suite_->dir() + "/eval");
  }

  // Runs the lifeline CLI against the gateway as `token`; each run logs to its own file.
  ToolRun Lifeline(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"--gateway", suite_->gateway_address(), "--token", token});
    const std::string log = absl::StrCat(suite_->dir(), "/runs/", ++runs_, "-lifeline.log");
    auto run = RunTool("lifeline", args, log, kToolTimeout);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : ToolRun{};
  }

  // Submits `agency`'s JSON Lines `file` with the agency's own token.
  ToolRun Submit(const std::string& agency, const std::string& file,
                 std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "submit", "--agency", agency, "--file", file, "--batch-size", absl::StrCat(kBatchSize)};
    args.insert(args.end(), extra.begin(), extra.end());
    return Lifeline(AgencyToken(agency), args);
  }

  // Exports every clue through the gateway to `path`; returns how many there are (-1 on error).
  int64_t ExportClues(const std::string& path) {
    ToolRun run = Lifeline(kProcuratorToken, {"export", "clues", "--out", path});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    auto clues = eval::LoadClues(path);
    EXPECT_TRUE(clues.ok()) << clues.status();
    return run.exit_code == 0 && clues.ok() ? static_cast<int64_t>(clues->size()) : -1;
  }

  // Exports every link straight from match-service to `path`; returns how many (-1 on error).
  int64_t ExportLinks(const std::string& path) {
    ToolRun run = Lifeline(kProcuratorToken, {"export", "links", "--match",
                                              suite_->Target("match-service"), "--out", path});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    auto links = eval::LoadLinks(path);
    EXPECT_TRUE(links.ok()) << links.status();
    return run.exit_code == 0 && links.ok() ? static_cast<int64_t>(links->size()) : -1;
  }

  // Returns ingest-service's /metrics page.
  std::string IngestMetrics() { return suite_->Metrics("ingest-service"); }

  std::unique_ptr<Suite> suite_;
  int runs_ = 0;
};

TEST_F(GeneratedCountyTest, LinksOnlyTheSamePersonAndFindsEligiblePeopleButNoNearMisses) {
  const auto started = std::chrono::steady_clock::now();
  const std::string d = suite_->dir();
  const std::string datagen = d + "/datagen";

  auto generated = RunTool("lifeline-datagen",
                           {"--out", datagen, "--persons", absl::StrCat(kPersons), "--seed", "3",
                            "--format", "jsonl", "--progress", "off"},
                           d + "/runs/datagen.log", kToolTimeout);
  ASSERT_TRUE(generated.ok()) << generated.status();
  ASSERT_EQ(generated->exit_code, 0) << generated->output;

  // Every agency submits its whole file; ingest answers each record, rejects some (damaged ID
  // numbers), and sends the rest on to match-service.
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(datagen + "/jsonl")) {
    if (e.path().extension() == ".jsonl") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "lifeline-datagen wrote no JSON Lines files";
  std::map<std::string, SubmitSummary> first;
  int64_t rejected = 0;
  for (const auto& f : files) {
    const std::string agency = f.stem().string();
    ToolRun run = Submit(agency, f.string());
    ASSERT_EQ(run.exit_code, 0) << agency << ":\n" << run.output;
    auto summary = ParseSubmitSummary(run.output, agency);
    ASSERT_TRUE(summary.has_value()) << "no summary line for " << agency << ":\n" << run.output;
    std::cout << summary->line << "\n";
    EXPECT_EQ(summary->records, NonEmptyLines(f.string())) << summary->line;
    EXPECT_GT(summary->accepted, 0) << summary->line;
    rejected += summary->rejected;
    first[agency] = *summary;
  }

  // The same command again: its batch ids (<file name>-1, -2, ...) are known, so ingest answers
  // each with its first answer and stores nothing new. The printed totals are therefore those of
  // the first run, not "all unchanged": a replayed batch reports what it did the first time.
  const std::string again_agency =
      first.count("civil_affairs") ? "civil_affairs" : first.begin()->first;
  const std::string again_file = datagen + "/jsonl/" + again_agency + ".jsonl";
  const std::string agency_label = absl::StrCat("agency=\"", again_agency, "\"");
  auto stored_batches = [&](const std::string& metrics) {
    return MetricSum(metrics, "lifeline_ingest_batches_total", {agency_label});
  };
  auto accepted_records = [&](const std::string& metrics) {
    return MetricSum(metrics, "lifeline_ingest_records_total", {agency_label, "result=\"accepted"});
  };
  const std::string metrics_before = IngestMetrics();
  EXPECT_EQ(stored_batches(metrics_before), first[again_agency].batches);
  EXPECT_EQ(accepted_records(metrics_before), first[again_agency].accepted);
  {
    ToolRun run = Submit(again_agency, again_file);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto summary = ParseSubmitSummary(run.output, again_agency);
    ASSERT_TRUE(summary.has_value()) << run.output;
    std::cout << "again: " << summary->line << "\n";
    EXPECT_EQ(summary->line, first[again_agency].line) << "a replayed batch changed its answer";
    // ingest-service agrees: no batch stored, no record accepted.
    const std::string metrics = IngestMetrics();
    EXPECT_EQ(stored_batches(metrics), stored_batches(metrics_before));
    EXPECT_EQ(accepted_records(metrics), accepted_records(metrics_before));
  }
  // `lifeline import` of the same file with the same batch ids: ingest replays every batch, and
  // the import waits through the gateway (GetBatch) until match-service has linked its records.
  {
    ToolRun run = Lifeline(AgencyToken(again_agency),
                           {"import", "--agency", again_agency, "--file", again_file,
                            "--batch-size", absl::StrCat(kBatchSize), "--batch-prefix",
                            again_agency, "--progress", "off", "--wait-linked-s", "100"});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    std::cout << "import: " << run.output;
    auto totals = ParseImportSummary(run.output);
    ASSERT_TRUE(totals.has_value()) << run.output;
    EXPECT_EQ(totals->accepted, first[again_agency].accepted);
    EXPECT_EQ(totals->not_linked, 0) << run.output;
    EXPECT_EQ(stored_batches(IngestMetrics()), stored_batches(metrics_before));
  }
  // The same records under new batch ids: every record ingest kept is already stored with the
  // same content (or a newer version), so none is accepted and all but the rejected ones are
  // unchanged.
  {
    ToolRun run = Submit(again_agency, again_file, {"--batch-prefix", "resent"});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto summary = ParseSubmitSummary(run.output, again_agency);
    ASSERT_TRUE(summary.has_value()) << run.output;
    std::cout << "resent: " << summary->line << "\n";
    const SubmitSummary& was = first[again_agency];
    EXPECT_EQ(summary->records, was.records);
    EXPECT_EQ(summary->accepted, 0) << summary->line;
    EXPECT_EQ(summary->rejected, was.rejected) << summary->line;
    EXPECT_EQ(summary->unchanged, was.records - was.rejected) << summary->line;
    const std::string metrics = IngestMetrics();
    EXPECT_EQ(stored_batches(metrics), stored_batches(metrics_before) + summary->batches);
    EXPECT_EQ(accepted_records(metrics), accepted_records(metrics_before));
  }

  // match-service works through ingest's outbox asynchronously: wait until both the clue and the
  // link counts hold still for three polls a second apart.
  const std::string clues_path = d + "/eval/clues.csv";
  const std::string links_path = d + "/eval/links.csv";
  int64_t clue_count = -1;
  int64_t link_count = -1;
  int stable = 0;
  const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
  while (stable < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const int64_t clues_now = ExportClues(clues_path);
    const int64_t links_now = ExportLinks(links_path);
    if (clues_now >= 0 && clues_now == clue_count && links_now == link_count) {
      ++stable;
    } else {
      stable = 0;
    }
    clue_count = clues_now;
    link_count = links_now;
  }
  ASSERT_EQ(stable, 3) << "match-service did not settle within " << kSettleTimeout.count()
                       << " s; last counts: " << clue_count << " clues, " << link_count << " links";
  std::cout << "settled: " << clue_count << " clues, " << link_count << " links\n";
  ASSERT_GE(ExportLinks(links_path), 0);
  ASSERT_GE(ExportClues(clues_path), 0);

  auto truth = eval::LoadTruth(datagen + "/truth");
  ASSERT_TRUE(truth.ok()) << truth.status();
  auto links = eval::LoadLinks(links_path);
  ASSERT_TRUE(links.ok()) << links.status();
  auto clues = eval::LoadClues(clues_path);
  ASSERT_TRUE(clues.ok()) << clues.status();

  eval::EvalReport report;
  report.truth = eval::SummarizeTruth(*truth);
  report.baselines = eval::EvaluateBaselines(*truth);
  report.links = eval::EvaluateLinks(*truth, *links);
  report.clues = eval::EvaluateClues(*truth, *links, *clues);
  std::ostringstream printed;
  eval::PrintReport(report, printed);
  std::cout << printed.str() << std::flush;

  // Linkage: match-service resolves records incrementally as they arrive (probabilistic
  // linkage). Floors well under what it measures here (about 0.998 / 0.996) and well above the
  // exact ID join (recall about 0.80), which misses every missing, mistyped or damaged number.
  const eval::LinkReport& lr = *report.links;
  const eval::PairCounts& pairs = lr.pairs.overall.all;
  const eval::PairCounts& cross = lr.pairs.overall.cross_agency;
  EXPECT_GT(pairs.predicted_pairs, 0);
  EXPECT_GE(pairs.precision(), 0.99) << pairs.false_positives() << " wrongly merged pairs";
  EXPECT_GE(cross.precision(), 0.99) << cross.false_positives() << " wrongly merged pairs";
  EXPECT_GE(cross.recall(), 0.97) << cross.false_negatives() << " missed cross-agency pairs";
  const double baseline_recall = report.baselines.id_number.overall.all.recall();
  EXPECT_GE(pairs.recall(), baseline_recall + 0.1)
      << "Lifeline " << pairs.recall() << " vs ID-join baseline " << baseline_recall;
  // Every record ingest accepted is linked.
  const int64_t truth_records = static_cast<int64_t>(truth->records.size());
  const int64_t linked = truth_records - lr.unlinked_records;
  EXPECT_GE(linked, (truth_records * 95 + 99) / 100)
      << linked << " of " << truth_records << " truth records linked";
  EXPECT_LE(lr.unlinked_records, rejected)
      << "more truth records unlinked than ingest rejected lines";

  // Clues. The rule needs a serious harm and hardship.
  const eval::ClueReport& cr = *report.clues;
  EXPECT_GE(cr.clues, 1);
  EXPECT_GE(cr.precision(), 0.5) << cr.true_positives << " of " << cr.clues << " clues correct";
  std::map<std::string, int64_t> found;
  for (const auto& c : cr.by_category) found[c.category] = c.found;
  EXPECT_GE(found["serious_injury"], 1);
  EXPECT_GE(found["dependant_of_killed"], 1);
  auto near_miss = [&cr](const std::string& reason) {
    auto it = cr.near_miss_false_positives.find(reason);
    return it == cr.near_miss_false_positives.end() ? int64_t{0} : it->second;
  };
  EXPECT_EQ(near_miss("no_hardship"), 0);
  EXPECT_EQ(near_miss("minor_injury_only"), 0);

  PrintElapsed("generated county flow", started);
}

}  // namespace
}  // namespace lifeline::e2e
