// Ingest throughput: how fast ingest-service validates and normalizes records on one core (run
// several times; the median decides), how fast the SQLite store alone commits validated batches
// (the ceiling of durable ingest), and how fast it durably ingests them end to end (gRPC
// StreamRecords on loopback into SQLite with the production pragmas), with peak memory after
// each phase.
//
//   build/release/bin/lifeline-ingest-bench [--records N] [--batch N] [--message N]
//                                           [--validation-runs N] [--store-only yes|no]
//                                           [--streams 1,2|none]
//
// The records are real lifeline-datagen output (default noise, every line an agency file would
// carry, duplicates and older versions included), generated in-process before anything is
// measured. One world of 1,000,000 persons yields about 189,000 lines, so larger runs use several
// worlds of at most 1,000,000 persons (seeds 1, 2, ...; 1,000,000 records take about 5.3 million
// persons) and memory stays near one world's. Datagen numbers record ids per world, so ids would
// collide across worlds: the source record ids of world k > 1 get the prefix "W<k>-".
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

#include "common/identity/id_token.h"
#include "common/identity/name_normalizer.h"
#include "common/server/channel.h"
#include "common/server/server_runner.h"
#include "common/storage/sqlite.h"
#include "common/time/dates.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/rpc/batch_answer.h"
#include "ingest-service/rpc/ingest_metrics.h"
#include "ingest-service/rpc/ingest_service_impl.h"
#include "ingest-service/rpc/record_mapping.h"
#include "ingest-service/store/sqlite_ingest_store.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "tools/datagen/generator.h"
#include <sys/resource.h>
#include <time.h>

namespace {

namespace datagen = lifeline::datagen;
namespace ingest = lifeline::ingest;
namespace common = lifeline::common;
namespace iv1 = lifeline::ingest::v1;

constexpr char kTokenSecret[] = "lifeline-ingest-bench-token-secret";
// The largest world generated at once; bigger runs take several (memory stays near one world's).
constexpr int64_t kMaxPersonsPerWorld = 1'000'000;
// Lines per person of a default-noise world (about 0.189), rounded down so that the last world
// is rather too big than too small.
constexpr double kRecordsPerPerson = 0.17;

struct Flags {
  int64_t records = 1'000'000;
  int64_t batch = 10'000;
  int64_t message = 1'000;
  // The validation phase is short and this machine's speed varies from second to second: it runs
  // this many times and the median decides.
  int validation_runs = 3;
  bool store_only = true;
  std::vector<int> streams = {1, 2};
};

// One StreamRecords call: a batch of one agency's records, split into messages.
struct Batch {
  std::string agency;
  int64_t records = 0;
  std::vector<iv1::StreamRecordsRequest> messages;
};

// Collects datagen records into per-agency batches until `target` records are held; then
// returns Cancelled so the generator stops early.
class BatchingSink : public datagen::RecordSink {
 public:
  BatchingSink(int64_t target, int64_t batch_size, int64_t message_size)
      : target_(target), batch_size_(batch_size), message_size_(message_size) {}

  // Sets the prefix put before every source record id ("" keeps them as generated).
  void set_id_prefix(std::string prefix) { id_prefix_ = std::move(prefix); }

  absl::Status Add(const datagen::AgencyRecord& record, bool /*final_version*/) override {
    if (full()) return absl::CancelledError("enough records");
    Batch*& open = open_[record.agency];
    if (open == nullptr) {
      open = &batches_.emplace_back();
      open->agency = record.agency;
    }
    if (open->messages.empty() ||
        open->messages.back().records_size() >= static_cast<int>(message_size_)) {
      iv1::StreamRecordsRequest& message = open->messages.emplace_back();
      if (open->messages.size() == 1) {
        message.set_agency(record.agency);
        message.set_batch_id(absl::StrFormat("bench-%s-%06d", record.agency, batches_.size()));
      }
    }
    lifeline::records::v1::Record* copy = open->messages.back().add_records();
    *copy = record.record;
    if (!id_prefix_.empty()) {
      copy->set_source_record_id(absl::StrCat(id_prefix_, copy->source_record_id()));
      if (copy->has_near_relative()) {
        auto* relative = copy->mutable_near_relative();
        relative->set_victim_record_id(absl::StrCat(id_prefix_, relative->victim_record_id()));
      }
    }
    ++held_;
    if (++open->records >= batch_size_) open = nullptr;
    return absl::OkStatus();
  }

  bool full() const { return held_ >= target_; }
  int64_t held() const { return held_; }
  // Batches in the order they were opened (a std::deque keeps the open pointers valid).
  std::deque<Batch>& batches() { return batches_; }

 private:
  int64_t target_;
  int64_t batch_size_;
  int64_t message_size_;
  std::string id_prefix_;
  int64_t held_ = 0;
  std::deque<Batch> batches_;
  std::map<std::string, Batch*> open_;
};

int64_t PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Prints one table row; an empty `target` marks a row whose rate is not a measured figure.
void PrintRow(const std::string& phase, int64_t records, double seconds, double cpu_seconds,
              const std::string& target) {
  std::cout << absl::StrFormat("%-32s %9d %9.2f %11s %9.2f %9d  %s\n", phase, records, seconds,
                               target.empty() ? "-" : absl::StrFormat("%.0f", records / seconds),
                               cpu_seconds, PeakRssMiB(), target)
            << std::flush;
}

std::string Verdict(double rate, double target) {
  return absl::StrFormat("target >= %.0f: %s", target, rate >= target ? "met" : "NOT MET");
}

// Generates `flags.records` datagen lines into batches. Errors: whatever the generator returns
// (other than the sink's own early stop).
absl::StatusOr<std::deque<Batch>> GenerateBatches(const Flags& flags, int* worlds,
                                                  int64_t* persons) {
  BatchingSink sink(flags.records, flags.batch, flags.message);
  *worlds = 0;
  *persons = 0;
  while (!sink.full()) {
    const int world = ++*worlds;
    const int64_t wanted = static_cast<int64_t>((flags.records - sink.held()) / kRecordsPerPerson);
    datagen::GeneratorOptions options;
    options.persons = std::clamp<int64_t>(wanted, 10'000, kMaxPersonsPerWorld);
    options.seed = static_cast<uint64_t>(world);
    sink.set_id_prefix(world == 1 ? "" : absl::StrCat("W", world, "-"));
    char dir_template[] = "/tmp/lifeline-ingest-bench-truth-XXXXXX";
    const char* truth_dir = mkdtemp(dir_template);
    if (truth_dir == nullptr) return absl::UnavailableError("cannot create a temporary directory");
    absl::StatusOr<datagen::GeneratorSummary> summary =
        datagen::Generate(options, truth_dir, sink, [](const char*, int64_t, int64_t) {});
    std::filesystem::remove_all(truth_dir);
    if (!summary.ok() && !(absl::IsCancelled(summary.status()) && sink.full())) {
      return summary.status();
    }
    *persons += options.persons;
  }
  return std::move(sink.batches());
}

// The validator the service would use, with its tokenizer (not copyable: the validator points at
// the tokenizer).
class BenchValidator {
 public:
  BenchValidator()
      : tokenizer_(*common::IdTokenizer::Create(kTokenSecret)),
        validator_(&tokenizer_, common::Clock::Real()) {}
  BenchValidator(const BenchValidator&) = delete;
  BenchValidator& operator=(const BenchValidator&) = delete;
  const ingest::RecordValidator* get() const { return &validator_; }

 private:
  common::IdTokenizer tokenizer_;
  ingest::RecordValidator validator_;
};

// Validates and normalizes every record on this thread, as IngestServiceImpl does per record, and
// returns the rate.
double RunValidation(const std::deque<Batch>& batches, int64_t total, const std::string& run) {
  BenchValidator bench_validator;
  const ingest::RecordValidator& validator = *bench_validator.get();
  // The process-wide name normalizer loads ICU's transliterator and OpenCC once (about half a
  // second); that start-up cost is not throughput.
  common::DefaultNameNormalizer();
  int64_t rejected = 0;
  int64_t warned = 0;
  double seconds = 0;
  double cpu = 0;
  for (const Batch& batch : batches) {
    for (const iv1::StreamRecordsRequest& message : batch.messages) {
      // The service takes apart the message it has just read; each message is copied for that,
      // outside the measured time.
      iv1::StreamRecordsRequest owned = message;
      const double cpu_start = ThreadCpuSeconds();
      const auto start = std::chrono::steady_clock::now();
      for (lifeline::records::v1::Record& record : *owned.mutable_records()) {
        ingest::ValidationResult result = validator.Validate(batch.agency, record);
        if (result.rejected()) {
          ++rejected;
          continue;
        }
        if (result.has_warnings()) ++warned;
        [[maybe_unused]] const lifeline::records::v1::NormalizedRecord normalized =
            ingest::BuildNormalizedRecord(batch.agency, std::move(record), std::move(result));
      }
      seconds += SecondsSince(start);
      cpu += ThreadCpuSeconds() - cpu_start;
    }
  }
  PrintRow("validate+normalize, 1 thread", total, seconds, cpu, run);
  std::cout << absl::StrFormat(
      "  %d rejected, %d accepted with warnings (%.0f records/s per CPU s)\n", rejected, warned,
      total / cpu);
  return total / seconds;
}

// A temporary directory for a store, removed with everything in it when this goes.
class ScratchDir {
 public:
  ScratchDir() {
    char dir_template[] = "/tmp/lifeline-ingest-bench-XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (dir != nullptr) path_ = dir;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  // Empty when the directory could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// What SQLite alone sustains: every batch is validated and sealed first (not timed), as a stream
// would have it ready, and then only SqliteIngestStore::CommitBatch is timed, on this thread.
// The ceiling of durable ingest through this store, whatever the transport. Returns false when a
// commit fails.
bool RunStoreOnly(const std::deque<Batch>& batches, int64_t total) {
  ScratchDir dir;
  if (dir.path().empty()) {
    std::perror("mkdtemp");
    return false;
  }
  absl::StatusOr<std::unique_ptr<ingest::SqliteIngestStore>> store =
      ingest::SqliteIngestStore::OpenInDirectory(dir.path());
  if (!store.ok()) {
    std::cerr << "store: " << store.status() << "\n";
    return false;
  }
  BenchValidator bench_validator;
  const ingest::RecordValidator& validator = *bench_validator.get();
  int64_t accepted = 0;
  double seconds = 0;
  double cpu = 0;
  for (const Batch& batch : batches) {
    ingest::BatchSubmission submission;
    submission.agency = batch.agency;
    submission.batch_id = batch.messages.front().batch_id();
    submission.received_time = absl::Now();
    for (const iv1::StreamRecordsRequest& message : batch.messages) {
      iv1::StreamRecordsRequest owned = message;
      for (lifeline::records::v1::Record& record : *owned.mutable_records()) {
        if (absl::Status status =
                ingest::AddValidatedRecord(validator, batch.agency, &record, &submission);
            !status.ok()) {
          std::cerr << "validation: " << status << "\n";
          return false;
        }
      }
    }
    const double cpu_start = ThreadCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<ingest::CommitResult> result =
        (*store)->CommitBatch(submission, ingest::AnswerBatch);
    seconds += SecondsSince(start);
    cpu += ThreadCpuSeconds() - cpu_start;
    if (!result.ok()) {
      std::cerr << "CommitBatch " << submission.batch_id << ": " << result.status() << "\n";
      return false;
    }
    accepted += result->response.batch().accepted_count();
  }
  PrintRow("SQLite commit only, 1 thread", total, seconds, cpu, "the store's ceiling");
  std::cout << absl::StrFormat("  %d accepted\n", accepted);
  return true;
}

// What the client saw in the responses of one run.
struct ClientTally {
  int64_t accepted = 0;  // warnings included
  int64_t warnings = 0;
  int64_t rejected = 0;
  int64_t unchanged = 0;  // unchanged and stale
  int64_t retracted = 0;
  int64_t failed_calls = 0;
  // agency/source_record_id of every record written (accepted or retracted)
  std::vector<std::string> written_keys;
};

// Runs one concurrency level against a fresh store; returns false when the run failed or the
// store's counts do not add up.
bool RunEndToEnd(const std::deque<Batch>& batches, int64_t total, int streams) {
  ScratchDir dir;
  if (dir.path().empty()) {
    std::perror("mkdtemp");
    return false;
  }
  const std::string& data_dir = dir.path();
  ClientTally tally;
  double seconds = 0;
  double cpu = 0;
  {
    absl::StatusOr<std::unique_ptr<ingest::SqliteIngestStore>> store =
        ingest::SqliteIngestStore::OpenInDirectory(data_dir);
    if (!store.ok()) {
      std::cerr << "store: " << store.status() << "\n";
      return false;
    }
    BenchValidator validator;
    common::ServerOptions server_options;
    server_options.listen_address = "127.0.0.1:0";
    server_options.metrics_address = "";
    common::ServerRunner runner("ingest-service", server_options);
    ingest::IngestMetrics metrics(runner.registry().get());
    ingest::IngestServiceImpl::Options service_options;
    service_options.max_stream_records = std::max<int64_t>(1'000'000, total);
    // No match-service here: the outbox only accumulates.
    service_options.max_outbox_pending = total + 1;
    ingest::IngestServiceImpl service(store->get(), validator.get(), common::Clock::Real(),
                                      &metrics, nullptr, service_options);
    runner.AddService(&service);
    if (absl::Status status = runner.Start(); !status.ok()) {
      std::cerr << "server: " << status << "\n";
      return false;
    }
    std::shared_ptr<grpc::Channel> channel =
        common::MakeClientChannel(absl::StrCat("127.0.0.1:", runner.port()));
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::cerr << "cannot connect to the in-process server\n";
      return false;
    }
    std::unique_ptr<iv1::IngestService::Stub> stub = iv1::IngestService::NewStub(channel);

    std::atomic<size_t> next{0};
    std::vector<ClientTally> tallies(static_cast<size_t>(streams));
    const double cpu_start = ProcessCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < streams; ++t) {
      threads.emplace_back([&, t] {
        ClientTally& mine = tallies[static_cast<size_t>(t)];
        for (size_t i = next++; i < batches.size(); i = next++) {
          const Batch& batch = batches[i];
          grpc::ClientContext context;
          iv1::SubmitBatchResponse response;
          std::unique_ptr<grpc::ClientWriter<iv1::StreamRecordsRequest>> writer =
              stub->StreamRecords(&context, &response);
          for (const iv1::StreamRecordsRequest& message : batch.messages) {
            if (!writer->Write(message)) break;
          }
          writer->WritesDone();
          grpc::Status status = writer->Finish();
          if (!status.ok()) {
            std::cerr << "StreamRecords " << batch.messages.front().batch_id() << ": "
                      << status.error_message() << "\n";
            ++mine.failed_calls;
            continue;
          }
          for (const iv1::RecordOutcome& outcome : response.outcomes()) {
            switch (outcome.result()) {
              case iv1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS:
                ++mine.warnings;
                [[fallthrough]];
              case iv1::RECORD_RESULT_ACCEPTED:
                ++mine.accepted;
                mine.written_keys.push_back(
                    absl::StrCat(batch.agency, "/", outcome.source_record_id()));
                break;
              case iv1::RECORD_RESULT_RETRACTED:
                ++mine.retracted;
                mine.written_keys.push_back(
                    absl::StrCat(batch.agency, "/", outcome.source_record_id()));
                break;
              case iv1::RECORD_RESULT_UNCHANGED:
              case iv1::RECORD_RESULT_STALE:
                ++mine.unchanged;
                break;
              default:
                ++mine.rejected;
                break;
            }
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    seconds = SecondsSince(start);
    cpu = ProcessCpuSeconds() - cpu_start;
    runner.Shutdown();
    runner.Wait();
    for (ClientTally& part : tallies) {
      tally.accepted += part.accepted;
      tally.warnings += part.warnings;
      tally.rejected += part.rejected;
      tally.unchanged += part.unchanged;
      tally.retracted += part.retracted;
      tally.failed_calls += part.failed_calls;
      for (std::string& key : part.written_keys) tally.written_keys.push_back(std::move(key));
    }
  }

  PrintRow(absl::StrFormat("gRPC+SQLite, %d stream%s", streams, streams == 1 ? "" : "s"), total,
           seconds, cpu, Verdict(total / seconds, 50'000));

  // Sanity check on a fresh connection to the file the server wrote.
  struct Counts {
    int64_t batches = 0, batch_records = 0, batch_accepted = 0, batch_rejected = 0,
            batch_unchanged = 0, batch_retracted = 0, batch_issues = 0, records = 0, issues = 0,
            outbox = 0;
  } counts;
  const std::string db_path = data_dir + "/ingest.db";
  absl::Status read = [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<common::Database>> db = common::Database::Open(db_path);
    if (!db.ok()) return db.status();
    return (*db)->Run([&]() -> absl::Status {
      auto scalar = [&](const char* sql, int64_t* out) -> absl::Status {
        absl::StatusOr<common::Statement> statement = (*db)->Prepare(sql);
        if (!statement.ok()) return statement.status();
        absl::StatusOr<bool> row = statement->Step();
        if (!row.ok()) return row.status();
        *out = *row ? statement->ColumnInt(0) : 0;
        return absl::OkStatus();
      };
      const std::pair<const char*, int64_t*> queries[] = {
          {"SELECT COUNT(*) FROM batches", &counts.batches},
          {"SELECT COALESCE(SUM(record_count), 0) FROM batches", &counts.batch_records},
          {"SELECT COALESCE(SUM(accepted_count), 0) FROM batches", &counts.batch_accepted},
          {"SELECT COALESCE(SUM(rejected_count), 0) FROM batches", &counts.batch_rejected},
          {"SELECT COALESCE(SUM(unchanged_count), 0) FROM batches", &counts.batch_unchanged},
          {"SELECT COALESCE(SUM(retracted_count), 0) FROM batches", &counts.batch_retracted},
          {"SELECT COALESCE(SUM(issue_count), 0) FROM batches", &counts.batch_issues},
          {"SELECT COUNT(*) FROM records", &counts.records},
          {"SELECT COUNT(*) FROM issues", &counts.issues},
          {"SELECT COUNT(*) FROM outbox", &counts.outbox},
      };
      for (const auto& [sql, out] : queries) {
        if (absl::Status status = scalar(sql, out); !status.ok()) return status;
      }
      return absl::OkStatus();
    });
  }();
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  if (!read.ok()) {
    std::cerr << "reading " << db_path << ": " << read << "\n";
    return false;
  }

  std::unordered_set<std::string> distinct(tally.written_keys.begin(), tally.written_keys.end());
  std::cout << absl::StrFormat(
      "  store: %d batches; %d accepted (%d with warnings), %d rejected, %d unchanged/stale, "
      "%d retracted; rows: %d records, %d issues, %d outbox; %.0f MiB on disk\n",
      counts.batches, counts.batch_accepted, tally.warnings, counts.batch_rejected,
      counts.batch_unchanged, counts.batch_retracted, counts.records, counts.issues, counts.outbox,
      static_cast<double>(bytes) / (1 << 20));
  std::vector<std::string> problems;
  auto expect = [&](const char* what, int64_t got, int64_t want) {
    if (got != want) problems.push_back(absl::StrFormat("%s: %d, expected %d", what, got, want));
  };
  expect("failed calls", tally.failed_calls, 0);
  expect("batches stored", counts.batches, static_cast<int64_t>(batches.size()));
  expect("records in stored batches", counts.batch_records, total);
  expect("accepted + rejected + unchanged + retracted",
         counts.batch_accepted + counts.batch_rejected + counts.batch_unchanged +
             counts.batch_retracted,
         total);
  expect("accepted (store vs responses)", counts.batch_accepted, tally.accepted);
  expect("rejected (store vs responses)", counts.batch_rejected, tally.rejected);
  expect("unchanged (store vs responses)", counts.batch_unchanged, tally.unchanged);
  expect("retracted (store vs responses)", counts.batch_retracted, tally.retracted);
  expect("records rows vs distinct written keys", counts.records,
         static_cast<int64_t>(distinct.size()));
  expect("outbox rows vs accepted + retracted", counts.outbox,
         counts.batch_accepted + counts.batch_retracted);
  expect("issues rows vs batches' issue counts", counts.issues, counts.batch_issues);
  for (const std::string& problem : problems) std::cerr << "  MISMATCH " << problem << "\n";
  return problems.empty();
}

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    bool ok = true;
    if (flag == "--records") {
      ok = absl::SimpleAtoi(value, &flags->records) && flags->records > 0;
    } else if (flag == "--batch") {
      ok = absl::SimpleAtoi(value, &flags->batch) && flags->batch > 0;
    } else if (flag == "--message") {
      ok = absl::SimpleAtoi(value, &flags->message) && flags->message > 0;
    } else if (flag == "--validation-runs") {
      ok = absl::SimpleAtoi(value, &flags->validation_runs) && flags->validation_runs > 0 &&
           flags->validation_runs <= 100;
    } else if (flag == "--store-only") {
      ok = value == "yes" || value == "no";
      flags->store_only = value == "yes";
    } else if (flag == "--streams") {
      flags->streams.clear();
      if (value == "none") continue;
      for (absl::string_view part : absl::StrSplit(value, ',')) {
        int streams = 0;
        ok = ok && absl::SimpleAtoi(part, &streams) && streams > 0 && streams <= 64;
        flags->streams.push_back(streams);
      }
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::cerr << "usage: lifeline-ingest-bench [--records N] [--batch N] [--message N] "
                 "[--validation-runs N] [--store-only yes|no] [--streams 1,2|none]\n";
    return 2;
  }
  // One info line per batch would drown the table.
  spdlog::set_level(spdlog::level::warn);

  const auto generation_start = std::chrono::steady_clock::now();
  int worlds = 0;
  int64_t persons = 0;
  absl::StatusOr<std::deque<Batch>> batches = GenerateBatches(flags, &worlds, &persons);
  if (!batches.ok()) {
    std::cerr << "datagen: " << batches.status() << "\n";
    return 1;
  }
  const double generation_seconds = SecondsSince(generation_start);
  int64_t total = 0;
  for (const Batch& batch : *batches) total += batch.records;

  std::cout << absl::StrFormat(
      "lifeline-ingest-bench: %d datagen records from %d world%s (%d persons, default noise), "
      "%d batches of <= %d records in messages of <= %d\n",
      total, worlds, worlds == 1 ? "" : "s", persons, batches->size(), flags.batch, flags.message);
  std::cout << absl::StrFormat("%-32s %9s %9s %11s %9s %9s\n", "phase", "records", "seconds",
                               "records/s", "CPU s", "peak MiB");
  PrintRow("generate (not measured)", total, generation_seconds, ProcessCpuSeconds(), "");

  std::vector<double> rates;
  for (int run = 1; run <= flags.validation_runs; ++run) {
    rates.push_back(RunValidation(*batches, total,
                                  absl::StrFormat("run %d of %d", run, flags.validation_runs)));
  }
  bool ok = std::find(rates.begin(), rates.end(), 0.0) == rates.end();
  std::sort(rates.begin(), rates.end());
  const double median = rates[rates.size() / 2];
  std::cout << absl::StrFormat("  validate+normalize, median of %d: %.0f records/s, %s\n",
                               rates.size(), median, Verdict(median, 200'000));
  if (flags.store_only) ok = RunStoreOnly(*batches, total) && ok;
  for (int streams : flags.streams) ok = RunEndToEnd(*batches, total, streams) && ok;
  return ok ? 0 : 1;
}
