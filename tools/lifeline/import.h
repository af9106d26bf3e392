// `lifeline import`: streams an agency's CSV export (through its column mapping) or a JSON Lines
// file of Records to ingest in batches, writes the rows that could not be stored to a rejects
// file the agency can fix and import again, and prints a summary.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "common/time/dates.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "tools/lifeline/gateway_client.h"

namespace lifeline::tools {

// Ingest's default max_batch_records: the largest batch the gateway's SubmitBatch takes.
inline constexpr int kMaxGatewayBatchSize = 10000;
// Ingest's default max_stream_records: the largest batch one StreamRecords call takes.
inline constexpr int kMaxStreamBatchSize = 1000000;

// Where the importer sends batches: the gateway, ingest directly (GrpcBatchSender), or a fake in
// tests.
class BatchSender {
 public:
  virtual ~BatchSender() = default;

  // Submits one batch. Ingest answers a batch id it has stored with its first answer. Errors: as
  // the transport or ingest answered; Unavailable, ResourceExhausted and DeadlineExceeded are
  // worth retrying.
  virtual absl::StatusOr<ingest::v1::SubmitBatchResponse> SubmitBatch(
      const ingest::v1::SubmitBatchRequest& request) = 0;

  // Returns one page of a stored batch's issues. Errors: as SubmitBatch; NotFound for an unknown
  // batch.
  virtual absl::StatusOr<ingest::v1::ListRejectionsResponse> ListRejections(
      const ingest::v1::ListRejectionsRequest& request) = 0;

  // Returns a stored batch's summary, with match_queued_count when ingest reports it. Errors: as
  // SubmitBatch; NotFound for an unknown batch.
  virtual absl::StatusOr<ingest::v1::Batch> GetBatch(
      const ingest::v1::GetBatchRequest& request) = 0;
};

// Sends batches through the gateway's HTTP/JSON API (POST /v1/agencies/{agency}/batches, GET
// .../batches/{batch_id} and .../batches/{batch_id}/rejections). Thread-compatible.
class GatewayBatchSender : public BatchSender {
 public:
  explicit GatewayBatchSender(const GatewayClient* gateway) : gateway_(gateway) {}

  absl::StatusOr<ingest::v1::SubmitBatchResponse> SubmitBatch(
      const ingest::v1::SubmitBatchRequest& request) override;
  absl::StatusOr<ingest::v1::ListRejectionsResponse> ListRejections(
      const ingest::v1::ListRejectionsRequest& request) override;
  absl::StatusOr<ingest::v1::Batch> GetBatch(const ingest::v1::GetBatchRequest& request) override;

 private:
  const GatewayClient* gateway_;
};

// What to import and how.
struct ImportOptions {
  // Agency code; must match the mapping's agency.
  std::string agency;
  // The CSV file, or a JSON Lines file of lifeline.records.v1.Record when it ends in ".jsonl".
  std::string file;
  // AgencyMapping YAML file; required for CSV, not used for JSON Lines.
  std::string mapping_file;
  // "auto" (detect from the first 64 KiB), "utf-8" or "gb18030". JSON Lines are always UTF-8.
  std::string encoding = "auto";
  // Where rejected rows go; empty means "<file>.rejects.csv".
  std::string rejects_file;
  // Records per batch, at most `max_batch_size`.
  int batch_size = 1000;
  // The largest batch the sender takes: kMaxGatewayBatchSize through the gateway (one
  // SubmitBatch), kMaxStreamBatchSize straight to ingest (one StreamRecords).
  int max_batch_size = kMaxGatewayBatchSize;
  // Batch ids are "<prefix>-1", "<prefix>-2", ...; empty means DefaultBatchPrefix.
  std::string batch_prefix;
  // Attempts per request when the answer is worth retrying, with doubling waits from
  // `first_backoff` up to 30 s.
  int max_attempts = 8;
  std::chrono::milliseconds first_backoff{500};
  // Waits between attempts; tests pass one that does not sleep. Empty means sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Stream for the progress bar (stderr), or nullptr for none.
  std::ostream* progress = nullptr;
  // When set and true, the import stops before the next row, or instead of the next attempt
  // when it is waiting to retry (Cancelled); batches already sent stay stored. While waiting for
  // links it ends the wait instead (the summary says so). For Ctrl-C.
  const std::atomic<bool>* cancelled = nullptr;
  // After the last batch is stored, how long to wait until match-service has linked every record
  // the import's batches stored (polling GetBatch's match_queued_count); zero does not wait.
  std::chrono::milliseconds wait_linked{0};
  // Time between two polls while waiting.
  std::chrono::milliseconds linked_poll{500};
  // The clock the wait is measured on; tests pass a fake one that their `sleep` advances.
  const common::Clock* clock = common::Clock::Real();
};

// How the wait for match-service to link an import's records ended.
enum class LinkWait {
  kNotWaited,    // wait_linked was zero
  kAllLinked,    // every record the import stored is linked (or it stored none)
  kTimedOut,     // wait_linked ran out; `not_linked` were still queued
  kInterrupted,  // `cancelled` turned true while waiting
  kNotReported,  // ingest does not report match_queued_count (an older ingest-service)
  kFailed,       // GetBatch failed for good; see `link_error`
};

// What an import did. Counts of ingest's outcomes are per batch as ingest first answered it, so a
// re-run of a stored batch repeats them; `batches_stored_before` says how many that were.
struct ImportSummary {
  std::string batch_prefix;
  std::string encoding;  // "utf-8" or "gb18030"
  std::string rejects_file;
  int64_t rows = 0;              // data rows (CSV) or non-empty lines (JSON Lines) read
  int64_t bytes = 0;             // size of the file
  int64_t sent = 0;              // records sent to ingest
  int64_t accepted = 0;          // accepted by ingest, with or without warnings
  int64_t warnings = 0;          // accepted with warnings (also counted in `accepted`)
  int64_t rejected_locally = 0;  // rows that could not be read or mapped; not sent
  int64_t rejected_by_ingest = 0;
  int64_t unchanged = 0;  // already stored with the same content, or older than stored
  int64_t retracted = 0;  // retractions (Record.retracted) ingest stored
  int64_t batches = 0;
  // Batches ingest had stored at least a second before this run sent them (by their received
  // time): parts of a resumed or repeated import, which added nothing.
  int64_t batches_stored_before = 0;
  double seconds = 0;  // reading and sending, without the wait for links
  // "<where> <severity> <field or column> <reason>" -> count, without any cell value.
  std::map<std::string, int64_t> reasons;

  // The wait for links (ImportOptions::wait_linked). Ingest forwards every record it stores
  // (`accepted` + `retracted`) to match-service, which links them before it acknowledges.
  LinkWait link_wait = LinkWait::kNotWaited;
  int64_t not_linked = 0;        // of the stored records, still queued when the wait ended
  double link_wait_seconds = 0;  // from the last batch stored to the end of the wait
  std::string link_error;        // kFailed: why
};

// Imports one file. Reads the file twice: once for its SHA-256 (the batch ids depend on it) and
// once to send it, one batch in memory at a time. Not thread-safe.
class Importer {
 public:
  // `sender` must outlive the importer.
  Importer(BatchSender* sender, ImportOptions options);

  // Runs the import. Rows that cannot be mapped, and records ingest rejects, go to the rejects
  // file (written under a temporary name and renamed into place at the end) with their line
  // number, column, field, reason and the original row; the other rows still go. Errors:
  // InvalidArgument for bad options, a mapping that does not load or fit the file's header, or a
  // CSV syntax error (with its line); NotFound for a missing file; FailedPrecondition when the
  // rejects file cannot be written; Cancelled when `cancelled` turned true; what the sender
  // answered when retries run out. Batches sent before an error stay stored: running the same
  // import again resumes without duplicates.
  absl::StatusOr<ImportSummary> Run();

 private:
  BatchSender* sender_;
  ImportOptions options_;
};

// Returns "<agency>-<file stem>-<12 hex digits>", the hex digits being the start of the SHA-256
// of the file's bytes, the batch size and the mapping (so that a changed file, batch size or
// mapping gives new batch ids, and the same import the same ones). Non-ASCII and punctuation in
// the stem become '_'.
std::string DefaultBatchPrefix(const std::string& agency, const std::string& file,
                               const std::string& identity_hex);

// Prints the summary: one line of totals, one of batches and time, one of links when the import
// waited for them, the per-reason counts, and where the rejects went.
void PrintImportSummary(const ImportSummary& summary, std::ostream& out);

}  // namespace lifeline::tools
